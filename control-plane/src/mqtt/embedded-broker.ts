import { createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import { connectableUrl, listen } from '../listen.js';
import { accessHooks, type BrokerAccess } from './broker-access.js';
import { indexedMemoryPersistence } from './retained-index.js';

export interface EmbeddedBroker {
  url: string;
  close(): Promise<void>;
}

/** An in-process aedes broker for single-machine setups; retained messages live in memory. */
export async function startEmbeddedBroker(
  host: string,
  port: number,
  access?: BrokerAccess,
  tls?: { cert: Buffer; key: Buffer },
): Promise<EmbeddedBroker> {
  // Without `access` (authentication off) the broker is open, as before; with `tls` it speaks MQTT over TLS only.
  const aedes = await Aedes.createBroker({ persistence: indexedMemoryPersistence(), ...(access === undefined ? {} : accessHooks(access)) });
  const server = tls === undefined ? createServer(aedes.handle) : createTlsServer({ cert: tls.cert, key: tls.key }, aedes.handle);
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
