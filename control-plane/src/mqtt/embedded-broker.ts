import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { connectableUrl, listen } from '../listen.js';

export interface EmbeddedBroker {
  url: string;
  close(): Promise<void>;
}

/** An in-process aedes broker for single-machine setups; retained messages live in memory. */
export async function startEmbeddedBroker(host: string, port: number): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker();
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
