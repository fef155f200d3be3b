import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Child } from '@liveprobe/harness';

// A fixture answering requests as bench/fixtures/ipc-driver.mjs does: {id, ok, result | error}.
const fixture = `
process.send({ ready: true });
process.on('message', ({ id, cmd, value }) => {
  if (cmd === 'double') process.send({ id, ok: true, result: value * 2 });
  else if (cmd === 'exit') { console.log('leaving now'); process.exit(3); }
  else process.send({ id, ok: false, error: 'unknown command ' + cmd });
});
`;

const start = () => new Child(process.execPath, ['-e', fixture], { name: 'ipc fixture', ipc: true });

test('a child started with ipc answers requests by id, and a refused request rejects with its error', async (t) => {
  const child = start();
  t.after(() => child.stop());
  await child.ipc.message<{ ready?: boolean }>((m) => m.ready === true, 10_000, 'the fixture to be ready');
  const [four, six] = await Promise.all([
    child.ipc.request<number>('double', { value: 2 }),
    child.ipc.request<number>('double', { value: 3 }),
  ]);
  assert.equal(four, 4);
  assert.equal(six, 6);
  await assert.rejects(child.ipc.request('triple', { value: 1 }), /ipc fixture: triple failed: unknown command triple/);
});

test('a request to a child that exits instead of answering rejects with the exit and the output', async (t) => {
  const child = start();
  t.after(() => child.stop());
  await assert.rejects(child.ipc.request('exit', {}, 10_000), (error: Error) => {
    assert.match(error.message, /ipc fixture exited \(code 3\) while waiting for exit to answer/);
    return true;
  });
  await child.closed;
  assert.match(child.output(), /leaving now/);
});

test('a child started without ipc says so when asked for its channel', async (t) => {
  const child = new Child(process.execPath, ['-e', ''], { name: 'plain child' });
  t.after(() => child.stop());
  assert.throws(() => child.ipc, /plain child was started without an IPC channel/);
});
