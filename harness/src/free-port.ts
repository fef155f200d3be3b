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
