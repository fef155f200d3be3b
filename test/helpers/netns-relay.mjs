// The half of an isolated network (isolated-network.ts) that runs inside the network namespace:
// it joins TCP ports there to Unix sockets in the file system, which both namespaces can reach.
//
//   node netns-relay.mjs '{"inbound":[{"socket":"/tmp/x/in-4318.sock","port":4318}],
//                          "outbound":[{"port":20000,"socket":"/tmp/x/out-0.sock"}]}'
//
// inbound: a connection to the socket is piped to 127.0.0.1:<port> inside the namespace.
// outbound: a connection to 127.0.0.1:<port> inside is piped to the socket (served outside).
// Prints `relay ready` once every listener is up; ends on SIGTERM.
import { connect, createServer } from 'node:net';

const spec = JSON.parse(process.argv[2] ?? '{}');

function join(client, target) {
  client.pipe(target).pipe(client);
  const close = () => {
    client.destroy();
    target.destroy();
  };
  client.on('error', close);
  target.on('error', close);
  client.on('close', close);
  target.on('close', close);
}

function listen(server, ...args) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...args, resolve);
  });
}

const servers = [
  ...(spec.inbound ?? []).map((route) => [createServer((c) => join(c, connect(route.port, '127.0.0.1'))), route.socket]),
  ...(spec.outbound ?? []).map((route) => [createServer((c) => join(c, connect(route.socket))), route.port, '127.0.0.1']),
];
await Promise.all(servers.map(([server, ...args]) => listen(server, ...args)));
console.log('relay ready');
process.once('SIGTERM', () => process.exit(0));
