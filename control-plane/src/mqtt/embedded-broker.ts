import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { connectableUrl, listen } from '../listen.js';
import { accessHooks, type BrokerAccess } from './broker-access.js';

export interface EmbeddedBroker {
  url: string;
  close(): Promise<void>;
}

/** An in-process aedes broker for single-machine setups; retained messages live in memory. */
export async function startEmbeddedBroker(host: string, port: number, access?: BrokerAccess): Promise<EmbeddedBroker> {
  // Without `access` (authentication off) the broker is open, as before.
  const aedes = await Aedes.createBroker(access === undefined ? {} : accessHooks(access));
  const server = createServer(aedes.handle);
  const closeAedes = () => new Promise<void>((resolve) => aedes.close(() => resolve()));
  let actualPort: number;
  try {
    actualPort = await listen(server, port, host, 'MQTT');
  } catch (err) {
    await closeAedes();
    throw err;
  }
  return {
    url: connectableUrl('mqtt', host, actualPort),
    async close() {
      // aedes drops its clients first; the net server then has no connection left to wait for.
      await closeAedes();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
