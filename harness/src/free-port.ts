// Free loopback ports, for the programs that cannot be told to bind port 0.
import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on 127.0.0.1. Only for programs that cannot bind
 * port 0 and report the port they got (mosquitto); everything of ours is started on port 0.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a probe listener'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** What a program prints when the port it was given is taken (mosquitto, redis, prometheus, postgres). */
const ADDRESS_IN_USE = /address already in use|EADDRINUSE/i;

/**
 * Starts a program that cannot bind port 0 on a port from freePort, and again on another one
 * when that port was taken meanwhile: between the pick and the program's bind, any process may
 * bind it (the CI runs several suites at once). `start` rejects with the program's output.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (error) {
      if (attempt >= attempts || !ADDRESS_IN_USE.test(error instanceof Error ? error.message : String(error))) throw error;
    }
  }
}

/** Whether another process holds `port` on 127.0.0.1 now: said in a program's error when it prints nothing (mosquitto with `log_dest none`). */
export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE'));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}
