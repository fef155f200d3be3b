// A real Redis server in a child process, for the BullMQ tests: Debian's redis-server (.ci/run installs it).
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { Child, onFreePort } from '@liveprobe/harness';

const binary = '/usr/bin/redis-server';

export interface Redis {
  readonly port: number;
  stop(): Promise<void>;
}

/** A Redis on a free loopback port that keeps nothing on disk. A missing binary is an error, never a skip. */
export async function redis(): Promise<Redis> {
  await access(binary, constants.X_OK).catch(() => {
    throw new Error(`${binary} not found: install it with \`apt-get install -y redis-server\` (.ci/run does)`);
  });
  return onFreePort(async (port) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'];
    const child = new Child(binary, args, { name: 'redis-server' });
    try {
      await child.waitForLine((text) => /Ready to accept connections/.test(text), 10_000, 'Redis ready to accept connections');
    } catch (error) {
      await child.stop();
      throw error;
    }
    return { port, stop: async () => void (await child.stop()) };
  });
}
