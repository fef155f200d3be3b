import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child, type ChildOptions, tempDir } from '@liveprobe/harness';

export interface IsolatedNetworkOptions {
  /** Ports inside that the test reaches from outside: each gets a port on 127.0.0.1 outside. */
  inbound: number[];
  /** Servers outside (`host:port`, by name) that processes inside may reach. */
  outbound?: Record<string, string>;
}

export interface IsolatedNetwork {
  /** Outside port → the inside port given in `inbound`. */
  outsidePort(insidePort: number): number;
  /** `127.0.0.1:<port>` inside that reaches the outbound server of that name. */
  insideAddress(name: string): string;
  /** Runs a program inside the namespace; the caller owns (and stops) the child. */
  spawn(command: string, args: string[], options: ChildOptions): Child;
  stop(): Promise<void>;
}

const relayScript = fileURLToPath(new URL('./netns-relay.mjs', import.meta.url));
const firstOutboundPort = 20_000;

/**
 * A network namespace with only a loopback interface, joined to the test's own loopback by
 * exactly the ports named: a program run inside cannot send a packet anywhere else.
 *
 * The collector needs this. Its Datadog exporter looks for a cloud hostname at start-up, and the
 * AWS, GCP and Azure detectors query the link-local metadata address (169.254.169.254); the Azure
 * one cannot be switched off. Tests must never send traffic off the machine, so the collector
 * runs where that address is unreachable (connect fails at once with ENETUNREACH).
 *
 * Ports are joined through Unix sockets in a temp dir, which both namespaces see: a relay
 * inside (netns-relay.mjs) and servers here in the test process. Needs root (CI runs as root).
 */
export async function isolatedNetwork(options: IsolatedNetworkOptions): Promise<IsolatedNetwork> {
  if (process.getuid?.() !== 0)
    throw new Error('an isolated network namespace needs root (unshare --net): run the collector tests as root, as CI does');
  const dir = await tempDir('liveprobe-netns-');
  const servers: Server[] = [];
  const connections = new Set<Socket>();
  const outsidePorts = new Map<number, number>();
  const insideAddresses = new Map<string, string>();
  let relay: Child | undefined;
  const stop = async () => {
    await relay?.stop();
    for (const socket of connections) socket.destroy();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await dir.remove();
  };
  try {
    const outbound = Object.entries(options.outbound ?? {}).map(([name, address], i) => {
      const socket = join(dir.path, `out-${i}.sock`);
      const port = firstOutboundPort + i;
      insideAddresses.set(name, `127.0.0.1:${port}`);
      return { name, address, socket, port };
    });
    // Outbound: the relay inside connects to our socket; we connect on to the real server.
    for (const route of outbound) {
      const [host, port] = splitAddress(route.address);
      servers.push(
        await listen(
          createServer((client) => pipe(connections, client, connect(port, host))),
          route.socket,
        ),
      );
    }
    const inbound = options.inbound.map((port) => ({ port, socket: join(dir.path, `in-${port}.sock`) }));
    const spec = JSON.stringify({ inbound, outbound: outbound.map(({ port, socket }) => ({ port, socket })) });
    relay = new Child(
      '/usr/bin/unshare',
      ['--net', '--', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, relayScript, spec],
      { name: 'netns relay' },
    );
    await relay.waitForLine((line) => line === 'relay ready', 10_000, '`relay ready`');
    // Inbound: a test connects to our port; we connect to the relay's socket inside.
    for (const route of inbound) {
      const server = await listen(
        createServer((client) => pipe(connections, client, connect(route.socket))),
        0,
        '127.0.0.1',
      );
      servers.push(server);
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('could not read the port of a bridge listener');
      outsidePorts.set(route.port, address.port);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const relayPid = relay.pid;
  return {
    outsidePort: (insidePort) => {
      const port = outsidePorts.get(insidePort);
      if (port === undefined) throw new Error(`port ${insidePort} is not joined to the outside (inbound: ${options.inbound.join(', ')})`);
      return port;
    },
    insideAddress: (name) => {
      const address = insideAddresses.get(name);
      if (address === undefined) throw new Error(`no outbound route named ${name}`);
      return address;
    },
    // nsenter execs the program in the relay's namespace, so the child's pid is the program's.
    spawn: (command, args, childOptions) =>
      new Child('/usr/bin/nsenter', [`--net=/proc/${relayPid}/ns/net`, '--', command, ...args], childOptions),
    stop,
  };
}

function splitAddress(address: string): [string, number] {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return [url.hostname, Number(url.port)];
}

function listen(server: Server, ...args: [string] | [number, string]): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...(args as [number, string]), () => resolve(server));
  });
}

/** Joins two sockets both ways; either end closing or failing closes the other. */
function pipe(connections: Set<Socket>, client: Socket, target: Socket): void {
  client.pipe(target).pipe(client);
  const close = () => {
    for (const socket of [client, target]) {
      socket.destroy();
      connections.delete(socket);
    }
  };
  for (const socket of [client, target]) {
    connections.add(socket);
    socket.on('error', close);
    socket.on('close', close);
  }
}
