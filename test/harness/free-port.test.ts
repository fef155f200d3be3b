import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { Child, onFreePort } from '@liveprobe/harness';

const listen = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

test('a program whose picked port another process takes before it binds is started again on another port', async (t) => {
  const tried: number[] = [];
  const started = await onFreePort(async (port) => {
    tried.push(port);
    // The race the CI meets: the first pick is bound by someone else between the pick and the program's bind.
    if (tried.length === 1) {
      const thief = await listen(port);
      t.after(() => thief.close());
    }
    const child = new Child('python3', ['-m', 'http.server', '--bind', '127.0.0.1', String(port)], { name: 'http.server' });
    try {
      await child.waitForLine((text) => text.includes('Serving HTTP'), 10_000, 'that it serves');
    } catch (error) {
      await child.stop();
      throw error;
    }
    t.after(() => child.stop());
    return port;
  });
  assert.equal(tried.length, 2, 'a second port after the first was taken');
  assert.equal(started, tried[1]);
  assert.equal((await fetch(`http://127.0.0.1:${started}/`)).status, 200, 'the program answers on the port it was given');
});

test('a program that fails for another reason is not started again', async () => {
  let tries = 0;
  await assert.rejects(
    onFreePort(async () => {
      tries++;
      throw new Error('bad configuration');
    }),
    /bad configuration/,
  );
  assert.equal(tries, 1);
});
