/**
 * The worker's inspector session (agent/src/worker/inspector-session.ts) reads a script's source
 * once for a burst of installs and keeps no copy after it: kept for the session, each script an
 * action was placed in stayed in the worker's heap for as long as the action did. It reads it
 * from the script's file when the file holds what V8 runs (its hash), since V8 serves a source on
 * the app's main thread.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, type TestContext, test } from 'node:test';
import { InspectorSession, type LoadedScript } from '../../../agent/src/worker/inspector-session.js';
import { FakeTarget } from './fake-target.js';

const PATH = '/app/src/work.mjs';
const WORK = ['export function work(n) {', '  return n + 1;', '}', ''].join('\n');

type Opened = { target: FakeTarget; session: InspectorSession; script: LoadedScript };

/** A session opened on a target that has loaded `text` at `path`, and that script as the session knows it. */
async function openOn(t: TestContext, path: string, text: string): Promise<Opened> {
  const target = new FakeTarget();
  target.load(path, text);
  const session = new InspectorSession(
    () => {},
    target.transport,
    () => false,
  );
  t.after(() => session.close());
  await session.open();
  return { target, session, script: session.script(path)! };
}

/** A session opened on a target that has loaded `work.mjs`. */
const openOnWork = (t: TestContext): Promise<Opened> => openOn(t, PATH, WORK);

test("a script's source is read once during a burst of installs and forgotten 5 s after the last read; the next read asks V8 again", async (t) => {
  const { target, session, script } = await openOnWork(t);
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  assert.equal(await session.source(script), WORK);
  mock.timers.tick(4000);
  assert.equal(await session.source(script), WORK);
  assert.deepEqual(target.sourceReads, [script.scriptId], 'one read for the burst');
  mock.timers.tick(5000);
  assert.equal(await session.source(script), WORK);
  assert.deepEqual(target.sourceReads, [script.scriptId, script.scriptId], 'the session kept no copy after the burst');
});

test('a source that could not be read is not kept: the next read asks again', async (t) => {
  const { session, script } = await openOnWork(t);
  session.close();
  await assert.rejects(session.source(script));
  await session.open();
  assert.equal(await session.source(script), WORK);
});

/** A session on a target that loaded `text` from a real file, which then holds `onDisk`. */
async function openOnFile(t: TestContext, text: string, onDisk: string): Promise<Opened> {
  const dir = await mkdtemp(join(tmpdir(), 'liveprobe-script-on-disk-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'work.mjs');
  await writeFile(path, onDisk);
  return openOn(t, path, text);
}

test("a script whose file holds what V8 runs is read from the file: V8 is not asked, which would serve it on the app's thread", async (t) => {
  const text = `${WORK}// é ✓ 😀\n`;
  const { target, session, script } = await openOnFile(t, text, text);
  assert.equal(await session.source(script), text);
  assert.deepEqual(target.sourceReads, []);
});

test('a script whose file changed since it loaded is read from V8, as it runs', async (t) => {
  const { target, session, script } = await openOnFile(t, WORK, WORK.replace('n + 1', 'n + 2'));
  assert.equal(await session.source(script), WORK);
  assert.deepEqual(target.sourceReads, [script.scriptId]);
});
