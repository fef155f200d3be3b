import { createServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import { DEFAULT_LIMITS, type ResolvedLimits } from '../limits/limits.js';
import { connectableUrl, listen } from '../listen.js';
import { accessHooks, type BrokerAccess } from './broker-access.js';
import { PacketSizeGuard, PacketTooLargeError } from './packet-size-guard.js';
import { OncePerReason } from '../once-per-reason.js';
import { indexedMemoryPersistence } from './retained-index.js';

export interface EmbeddedBroker {
  url: string;
  close(): Promise<void>;
}

/** What one client may make the broker hold (docs/security.md, "Limits"). */
export interface BrokerLimits {
  /** Largest packet before the client logged in (CONNECT with its Last Will). */
  maxPacketBytesBeforeLogin: number;
  /** Largest packet after: desired state, births, events, snapshots. */
  maxPacketBytes: number;
  /** Connections that have not logged in yet; more are closed as they arrive. */
  maxUnauthenticated: number;
  /** How long a connection may take to send its CONNECT. */
  connectTimeoutMs: number;
}

/** The broker's part of the control plane's limits. */
export function brokerLimits(limits: ResolvedLimits): BrokerLimits {
  return {
    maxPacketBytesBeforeLogin: limits.mqttMaxPacketBytesBeforeLogin,
    maxPacketBytes: limits.mqttMaxPacketBytes,
    maxUnauthenticated: limits.mqttMaxUnauthenticated,
    connectTimeoutMs: limits.mqttConnectTimeoutMs,
  };
}

/** An in-process aedes broker for single-machine setups; retained messages live in memory. */
export async function startEmbeddedBroker(
  host: string,
  port: number,
  access?: BrokerAccess,
  tls?: { cert: Buffer; key: Buffer },
  limits: BrokerLimits = brokerLimits(DEFAULT_LIMITS),
  log: (line: string) => void = () => {},
): Promise<EmbeddedBroker> {
  // Without `access` (authentication off) the broker is open, as before; with `tls` it speaks MQTT over TLS only.
  const hooks = access === undefined ? {} : accessHooks(access);
  // A client logs in when its credentials are accepted, before its CONNACK goes out: aedes says
  // `clientReady` only later, and a client that published a large event as soon as it had its
  // CONNACK was closed for exceeding the limit before login.
  const authenticate: NonNullable<AedesOptions['authenticate']> = (client, username, password, done) => {
    const decided: typeof done = (error, success) => {
      const conn = (client as Client & { conn: unknown }).conn;
      if (error === null && success === true && conn instanceof PacketSizeGuard) conn.loggedIn();
      done(error, success);
    };
    if (hooks.authenticate === undefined) decided(null, true);
    else hooks.authenticate(client, username, password, decided);
  };
  const aedes = await Aedes.createBroker({
    persistence: indexedMemoryPersistence(),
    connectTimeout: limits.connectTimeoutMs,
    ...hooks,
    authenticate,
  });
  const once = new OncePerReason(log);
  let waiting = 0;
  const accept = (socket: Socket) => {
    // Counted from the first byte to the CONNACK: a flood of connections that never log in holds at most this many.
    if (waiting >= limits.maxUnauthenticated) {
      once.log(`MQTT: refused connections: ${limits.maxUnauthenticated} are already waiting to log in (limits.mqttMaxUnauthenticated)`);
      socket.destroy();
      return;
    }
    waiting += 1;
    const guard = new PacketSizeGuard(socket, limits.maxPacketBytesBeforeLogin, limits.maxPacketBytes);
    let counted = true;
    const release = () => {
      if (counted) waiting -= 1;
      counted = false;
    };
    guard.once('close', release);
    guard.once('loggedIn', release);
    aedes.handle(guard);
  };
  aedes.on('connectionError', (_client, err) => {
    // Logged once, not per connection: sizes and addresses are an anonymous sender's to vary.
    if (err instanceof PacketTooLargeError)
      once.log(
        `MQTT: closed connections whose packets announced more than ${err.limit} bytes before login (limits.mqttMaxPacketBytesBeforeLogin), before reading them`,
      );
  });
  aedes.on('clientError', (client, err) => {
    if (err instanceof PacketTooLargeError)
      once.log(`MQTT: closed the connection of ${client.id}: ${err.message} (limits.mqttMaxPacketBytes); its packet was not read`);
  });

  const server = tls === undefined ? createServer(accept) : createTlsServer({ cert: tls.cert, key: tls.key }, accept);
  const closeAedes = () => new Promise<void>((resolve) => aedes.close(() => resolve()));
  let actualPort: number;
  try {
    actualPort = await listen(server, port, host, 'MQTT');
  } catch (err) {
    await closeAedes();
    throw err;
  }
  return {
    url: connectableUrl(tls === undefined ? 'mqtt' : 'mqtts', host, actualPort),
    async close() {
      // aedes drops its clients first; the net server then has no connection left to wait for.
      await closeAedes();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
