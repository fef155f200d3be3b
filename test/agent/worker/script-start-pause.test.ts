import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { COMMONJS_GATE_URL } from '../../../agent/src/bridge.js';
import { ScriptStartPause, type PausingSession } from '../../../agent/src/worker/script-start-pause.js';

/** A session that records the calls the pause makes. */
function fakeSession(canPause = true): PausingSession & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    canPause,
    pauseBeforeScripts: async () => (calls.push('set'), 'instrumentation:1'),
    stopPausingBeforeScripts: async (id: string) => void calls.push(`remove ${id}`),
    resume: async () => void calls.push('resume'),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('the breakpoint is set once while something waits, removed once nothing does, and forgotten with the session', async () => {
  const session = fakeSession();
  const pause = new ScriptStartPause(
    session,
    async () => undefined,
    () => undefined,
  );
  await pause.update(true);
  await pause.update(true);
  await pause.update(false);
  await pause.update(false);
  assert.deepEqual(session.calls, ['set', 'remove instrumentation:1']);
  await pause.update(true);
  pause.dropped();
  await pause.update(false);
  await pause.update(true);
  assert.deepEqual(session.calls, ['set', 'remove instrumentation:1', 'set', 'set']);
});

test('a transport that never pauses its target gets no breakpoint', async () => {
  const session = fakeSession(false);
  await new ScriptStartPause(
    session,
    async () => undefined,
    () => undefined,
  ).update(true);
  assert.deepEqual(session.calls, []);
});

test("our pause is resumed once the script's placement is done; other pauses are left alone", async () => {
  const session = fakeSession();
  let placed!: () => void;
  const asked: string[] = [];
  const pause = new ScriptStartPause(
    session,
    (scriptId) => (asked.push(scriptId), new Promise<void>((resolve) => (placed = resolve))),
    () => undefined,
  );
  pause.paused({ reason: 'other' });
  pause.paused({ reason: 'exception' });
  pause.paused({ reason: 'instrumentation', data: { scriptId: '42', url: 'file:///app/job.mjs' } });
  await settle();
  assert.deepEqual(asked, ['42']);
  assert.deepEqual(session.calls, [], 'held until placed');
  placed();
  await settle();
  assert.deepEqual(session.calls, ['resume']);
});

test('the app is resumed after the bound when placement never ends, and when it fails', async (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const session = fakeSession();
  const logged: string[] = [];
  const stuck = new ScriptStartPause(
    session,
    () => new Promise<void>(() => undefined),
    (line) => logged.push(line),
  );
  stuck.paused({ reason: 'instrumentation', data: { scriptId: '7', url: 'file:///app/big.mjs' } });
  await settle();
  mock.timers.tick(1999);
  await settle();
  assert.deepEqual(session.calls, []);
  mock.timers.tick(1);
  await settle();
  assert.deepEqual(session.calls, ['resume']);
  assert.match(
    logged[0] ?? '',
    /^the app went on after 2000 ms paused before file:\/\/\/app\/big\.mjs ran, the agent still busy: an action waiting for it installs late/,
  );

  const failing = new ScriptStartPause(
    session,
    async () => {
      throw new Error('boom');
    },
    (line) => logged.push(line),
  );
  failing.paused({ reason: 'instrumentation', data: { scriptId: '8', url: 'file:///app/a.mjs' } });
  await settle();
  assert.deepEqual(session.calls, ['resume', 'resume']);
  assert.equal(logged[1], 'could not place the actions waiting for file:///app/a.mjs: boom');
});

test("the CommonJS loader is told while the breakpoint is on; a gate's pause is named for the module V8 reported last", async (t) => {
  mock.timers.enable({ apis: ['setTimeout'] });
  t.after(() => mock.timers.reset());
  const session = fakeSession();
  const told: boolean[] = [];
  const logged: string[] = [];
  const pause = new ScriptStartPause(
    session,
    () => new Promise<void>(() => undefined),
    (line) => logged.push(line),
    (on) => told.push(on),
    () => 'file:///app/rates.cjs',
  );
  await pause.update(true);
  await pause.update(false);
  await pause.update(true);
  pause.dropped();
  assert.deepEqual(told, [true, false, true, false]);
  pause.paused({ reason: 'instrumentation', data: { scriptId: '9', url: COMMONJS_GATE_URL } });
  await settle();
  mock.timers.tick(2000);
  await settle();
  assert.match(logged[0] ?? '', /^the app went on after 2000 ms paused before file:\/\/\/app\/rates\.cjs ran/);
});
