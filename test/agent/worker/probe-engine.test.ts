/**
 * The probe engine's states and the moves between them, driven through a fake CDP target and
 * hook channel (fake-target.ts): no process, no inspector, each test well under a second.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { mock, type TestContext, test } from 'node:test';
import type { Action } from '@liveprobe/protocol';
import type { PreparedFileLoaded } from '../../../agent/src/prepare/prepared-messages.js';
import { Blocklist, type BlocklistSettings } from '../../../agent/src/locate/blocklist.js';
import type { CpuClock } from '../../../agent/src/worker/main-thread-cpu.js';
import { AnalysisCache } from '../../../agent/src/worker/analysis-cache.js';
import { PreparedSites } from '../../../agent/src/worker/prepared/prepared-sites.js';
import { ProbeEngine } from '../../../agent/src/worker/probe-engine.js';
import { SETTLE_MS } from '../../../agent/src/worker/window-cost.js';
import { FakeTarget, testAction } from './fake-target.js';
import { QUOTA_BOUND, SAMPLING_CYCLE } from './sampling-cycle.js';

const WORK = ['export function work(n) {', '  const squared = n * n;', '  return squared + 1;', '}', ''].join('\n');
const PATH = '/app/src/work.mjs';
const OPEN: BlocklistSettings = { files: [], functions: [], variables: [] };

function engineOn(target: FakeTarget, t: TestContext, blocklist = OPEN, prepared?: PreparedSites, mainCpu?: CpuClock): ProbeEngine {
  const engine = new ProbeEngine(
    target.hook,
    target.report,
    target.log,
    target.transport,
    new Blocklist(blocklist),
    prepared,
    undefined,
    mainCpu,
  );
  target.answers = engine;
  t.after(() => engine.close());
  return engine;
}

/** In process (an engine with prepared files): how to have the session open from start-up instead. */
const OPENED =
  'inspector session opened: the main thread paused while V8 reported every loaded script (1 file); LIVEPROBE_INSPECTOR_SESSION=startup opens it before the app loads instead';
/** An attached target's sidecar (no prepared files), to which LIVEPROBE_INSPECTOR_SESSION does not apply. */
const OPENED_ATTACHED = 'inspector session opened: the target paused while V8 reported every loaded script (1 file)';

test('an action whose script has not loaded waits, pausing scripts as they start, and takes its breakpoint when the script loads', async (t) => {
  const target = new FakeTarget();
  const engine = engineOn(target, t);
  const action = testAction('a1');
  await engine.reconcile([action]);
  assert.deepEqual(target.states('a1'), ['pending']);
  assert.match(target.statuses[0]!.message!, /^no loaded script matches `src\/work\.mjs` \(it will install if such a script loads\)/);
  assert.equal(engine.size, 1, 'a waiting action is tracked');
  assert.equal(target.instrumentation, true, 'scripts pause before they run while an action waits');

  target.load('/app/src/other.mjs', 'export const x = 1;\n');
  target.load(PATH, WORK);
  await engine.reconcile([action]);
  assert.deepEqual(target.states('a1'), ['pending', 'installed']);
  assert.deepEqual(target.statuses[1], { actionId: 'a1', state: 'installed', message: 'breakpoint', location: { file: PATH, line: 2 } });
  assert.deepEqual(target.lines(), [2]);
  assert.equal(target.instrumentation, false, 'nothing waits any more');
  const [arm] = target.messages('arm');
  assert.equal(arm?.actionId, 'a1');
  assert.equal(engine.probeFor(arm!.key)?.state.kind, 'breakpoints');
  assert.equal(engine.probeFor(arm!.key)?.functionName, 'work');
});

/** An inline source map of a bundle built from `source`, which is not the file the action names. */
function inlineMap(source: string): string {
  const map = { version: 3, sources: [source], names: [], mappings: 'AAAA' };
  return `data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
}

test('a waiting action says once why it waits: scripts with source maps that load in vain do not repeat it, a new reason is reported', async (t) => {
  const target = new FakeTarget();
  const engine = engineOn(target, t);
  const action = testAction('a1');
  await engine.reconcile([action]);
  // Each script with a source map may hold the file, so each one is looked into.
  for (const name of ['vendor', 'chart', 'report'])
    target.load(`/app/dist/${name}.js`, 'export const x = 1;\n', inlineMap(`../lib/${name}.ts`));
  await engine.reconcile([action]);
  // Before: one more `pending`, word for word the same, for each of the three.
  assert.deepEqual(target.states('a1'), ['pending']);

  // A file of the same name elsewhere changes what the status has to say.
  target.load('/app/lib/work.mjs', WORK);
  await engine.reconcile([action]);
  assert.deepEqual(target.states('a1'), ['pending', 'pending']);
  assert.match(target.statuses[1]!.message!, /loaded files with the same name: \/app\/lib\/work\.mjs/);
  target.load(PATH, WORK);
  await engine.reconcile([action]);
  assert.deepEqual(target.states('a1'), ['pending', 'pending', 'installed']);
});

test('a quota pause takes the breakpoints out of V8 until the quota refills, and a second pause soon after waits twice as long', async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  t.after(() => mock.timers.reset());
  const target = new FakeTarget();
  target.load(PATH, WORK);
  const engine = engineOn(target, t);
  const action = testAction('a1');
  await engine.reconcile([action]);
  const key = target.messages('arm')[0]!.key;

  await engine.pause(key, 'over its CPU quota');
  await engine.pause(key, 'over its CPU quota');
  assert.deepEqual(target.lines(), [], 'no breakpoint while paused');
  assert.deepEqual(target.states('a1'), ['installed', 'paused'], 'a second pause of a paused action changes nothing');
  assert.equal(target.statuses[1]!.message, 'over its CPU quota; resuming in 1 s');
  assert.equal(engine.probeFor(key)?.state.kind, 'paused');

  mock.timers.tick(1000);
  await engine.reconcile([action]);
  assert.deepEqual(target.lines(), [2]);
  assert.deepEqual(target.messages('resume'), [{ t: 'resume', keys: [key] }]);
  assert.deepEqual(target.states('a1'), ['installed', 'paused', 'resumed']);

  await engine.pause(key, 'over its byte quota');
  assert.equal(target.statuses[3]!.message, 'over its byte quota; resuming in 2 s');
  mock.timers.tick(1999);
  await engine.reconcile([action]);
  assert.deepEqual(target.lines(), [], 'still paused just before the longer wait ends');
  mock.timers.tick(1);
  await engine.reconcile([action]);
  assert.deepEqual(target.lines(), [2]);
});

test("a sampling breakpoint leaves V8 for the cycle's pause and comes back for a window of its hits, with no back-off", async (t) => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  t.after(() => mock.timers.reset());
  const target = new FakeTarget();
  target.load(PATH, WORK);
  const engine = engineOn(target, t);
  const missed: [string, number][] = [];
  engine.onSampledOut = (actionId, hits) => void missed.push([actionId, hits]);
  const action = testAction('a1');
  await engine.reconcile([action]);
  const key = target.messages('arm')[0]!.key;
  const cycle = SAMPLING_CYCLE;
  const bound = QUOTA_BOUND;

  for (let round = 0; round < 3; round++) {
    await engine.pause(key, bound, cycle);
    assert.deepEqual(target.lines(), [], 'out of V8 between windows');
    assert.equal(engine.probeFor(key)?.state.kind, 'paused');
    mock.timers.tick(239);
    await engine.reconcile([action]);
    assert.deepEqual(target.lines(), [], 'still out just before the pause ends');
    mock.timers.tick(1);
    await engine.reconcile([action]);
    assert.deepEqual(target.lines(), [2], 'back for the next window, after the same pause every time');
  }
  assert.deepEqual(
    target.messages('resume'),
    [1, 2, 3].map(() => ({ t: 'resume', keys: [key], allow: 50 })),
  );
  // 240 ms out at 5,000 passing hits a second: 1,200 hits missed, each time.
  assert.deepEqual(missed, [
    ['a1', 1200],
    ['a1', 1200],
    ['a1', 1200],
  ]);
  // No clock of the main thread's CPU here: the cost is the hook's estimate, 50 hits of 200 µs every 250 ms.
  const sampling =
    "breakpoint; sampling: on 10 ms every 250 ms (50 hits), ~4% of hits, ~40 ms of the main thread's CPU a second (estimated), to stay within the agent's quota of 200 hits per second";
  assert.deepEqual(target.states('a1'), ['installed', 'installed'], 'no pause, no resume: one status when sampling starts');
  assert.equal(target.statuses.at(-1)?.message, sampling);
  assert.equal(engine.statusOf('a1')?.message, sampling, 'the totals of hits not exported add to the sampling status');

  // Five seconds on, a cycle that reads differently is reported again.
  mock.timers.tick(5000);
  await engine.pause(key, bound, { ...cycle, allow: 25, periodMs: 125, offMs: 115, onMs: 10, share: 0.02 });
  assert.equal(target.states('a1').length, 3);
  assert.match(target.statuses.at(-1)?.message ?? '', /on 10 ms every 130 ms \(25 hits\), ~2% of hits/);

  // Removed while out: no timer fires, nothing is set again.
  await engine.reconcile([]);
  mock.timers.tick(1000);
  assert.deepEqual(target.lines(), []);
  assert.equal(missed.length, 3);
});

/**
 * A sampling action on an engine whose main-thread CPU clock reads `clock.cpuMs` (ms; the thread
 * does nothing but what a test adds there), the timers mocked: what the pacing tests share.
 */
async function sampledOnClock(t: TestContext) {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  t.after(() => mock.timers.reset());
  const target = new FakeTarget();
  target.load(PATH, WORK);
  const clock = { cpuMs: 1000 };
  const engine = engineOn(target, t, OPEN, undefined, () => ({ cpuMs: clock.cpuMs, waitMs: 0, wallMs: Date.now() }));
  const action = testAction('a1');
  await engine.reconcile([action]);
  return { target, engine, action, clock, key: target.messages('arm')[0]!.key };
}

test("a sampling breakpoint's pause grows when its windows cost the main thread more than its share of the CPU budget, and its status says what they cost", async (t) => {
  // Each window below costs the main thread 20 ms, from setting its breakpoint to removing it.
  const { target, engine, action, clock, key } = await sampledOnClock(t);
  // The hook's cycle: 50 hits of an estimated 200 µs every 250 ms, 40 ms a second, within the 50 ms budget.
  const cycle = SAMPLING_CYCLE;
  const bound = QUOTA_BOUND;
  // The first window opened before sampling started: nothing measured it, the hook's cycle stands.
  await engine.pause(key, bound, cycle);
  assert.match(engine.statusOf('a1')?.message ?? '', /every 250 ms .*~40 ms of the main thread's CPU a second \(estimated\)/);
  for (let round = 0; round < 3; round++) {
    mock.timers.tick(round === 0 ? 240 : 390);
    await engine.reconcile([action]);
    assert.deepEqual(target.lines(), [2], 'the window opens');
    clock.cpuMs += 20;
    await engine.pause(key, bound, cycle);
    // 20 ms a window within 50 ms a second: a window every 400 ms, 150 ms longer out than the hook asked.
    mock.timers.tick(389);
    await engine.reconcile([action]);
    assert.deepEqual(target.lines(), [], 'still out: the measured cost holds it back');
  }
  assert.equal(
    engine.statusOf('a1')?.message,
    "breakpoint; sampling: on 10 ms every 400 ms (50 hits), ~2.5% of hits, ~50 ms of the main thread's CPU a second (measured), to stay within the agent's CPU budget of 50 ms per second",
  );
  mock.timers.tick(1);
  await engine.reconcile([action]);
  assert.deepEqual(target.lines(), [2], 'back after the measured pace');
  assert.equal(target.messages('resume').length, 4, 'a steady stream of windows, no pause');
  assert.deepEqual(target.states('a1'), ['installed', 'installed']);
});

test('a window is also charged what the main thread spends after it, while V8 compiles the function again', async (t) => {
  // The main thread is idle but for the windows: 10 ms in each, and 20 ms right after its removal.
  const { target, engine, action, clock, key } = await sampledOnClock(t);
  const outFor = async (ms: number) => {
    clock.cpuMs += 20;
    mock.timers.tick(SETTLE_MS);
    mock.timers.tick(ms - SETTLE_MS);
    await engine.reconcile([action]);
  };
  await engine.pause(key, QUOTA_BOUND, SAMPLING_CYCLE);
  await outFor(240);
  assert.deepEqual(target.lines(), [2], 'the first window opens after the hook asked');
  for (let round = 0; round < 2; round++) {
    clock.cpuMs += 10;
    await engine.pause(key, QUOTA_BOUND, SAMPLING_CYCLE);
    // 10 ms in the window and 20 ms after it: 30 ms a window within 50 ms a second, one every 600 ms.
    await outFor(589);
    assert.deepEqual(target.lines(), [], 'still out: the settling holds it back');
    mock.timers.tick(1);
    await engine.reconcile([action]);
    assert.deepEqual(target.lines(), [2], 'back after the pace that counts the settling');
  }
  assert.match(engine.statusOf('a1')?.message ?? '', /every 600 ms .*~50 ms of the main thread's CPU a second \(measured\)/);
});

test('an action at its hit limit leaves the app and stays out while it is desired; the session closes with the last breakpoint', async (t) => {
  const target = new FakeTarget();
  target.load(PATH, WORK);
  const engine = engineOn(target, t);
  const action = testAction('a1', { maxHits: 1 });
  await engine.reconcile([action]);
  const key = target.messages('arm')[0]!.key;

  await engine.finish(key, 'hit_limit');
  assert.deepEqual(target.statuses.at(-1), { actionId: 'a1', state: 'hit_limit', message: 'reached its limit of 1 hit' });
  assert.deepEqual(target.messages('disarm'), [{ t: 'disarm', key }]);
  assert.equal(engine.probeFor(key), undefined, 'hits still queued for it are dropped');
  assert.equal(engine.size, 0);
  assert.deepEqual([target.connects, target.disconnects], [1, 1]);
  assert.deepEqual(target.logged, [OPENED_ATTACHED, 'no actions left; inspector session closed']);

  await engine.reconcile([action]);
  assert.deepEqual(target.states('a1'), ['installed', 'hit_limit'], 'not installed again');
  assert.equal(target.connects, 1);
  await engine.finish(key, 'expired');
  assert.deepEqual(target.states('a1'), ['installed', 'hit_limit'], 'a late expiry of a finished action says nothing');
});

test('an action that expired before it arrived is reported expired and never placed', async (t) => {
  const target = new FakeTarget();
  target.load(PATH, WORK);
  const engine = engineOn(target, t);
  const expiresAt = new Date(Date.now() - 1000).toISOString();
  await engine.reconcile([testAction('old', { expiresAt })]);
  assert.deepEqual(target.statuses, [{ actionId: 'old', state: 'expired', message: `expired at ${expiresAt}` }]);
  assert.deepEqual([target.connects, target.posted.length, engine.size], [0, 0, 0]);
});

test('a line where V8 finds no code ends in error, leaving nothing set, and a script loaded later does not retry it', async (t) => {
  const target = new FakeTarget();
  target.load(PATH, WORK);
  target.noCode.add(`file://${PATH}:3`);
  const engine = engineOn(target, t);
  const action = testAction('a1', { line: 3 });
  await engine.reconcile([action]);
  assert.deepEqual(target.statuses, [{ actionId: 'a1', state: 'error', message: `line 3 of ${PATH} has no code V8 can stop at` }]);
  const key = target.messages('arm')[0]!.key;
  assert.deepEqual(target.messages('disarm'), [{ t: 'disarm', key }]);
  assert.equal(target.breakpoints.size, 0);
  assert.equal(engine.size, 0);

  target.load('/app/lib/work.mjs', WORK);
  await engine.reconcile([action]);
  assert.equal(target.statuses.length, 1);
});

test("the agent's blocklist refuses an action, a new one that allows it installs it, and a newer one that forbids it removes it", async (t) => {
  const target = new FakeTarget();
  target.load(PATH, WORK);
  const engine = engineOn(target, t, { ...OPEN, functions: ['work'] });
  const action = testAction('a1');
  await engine.reconcile([action]);
  assert.equal(target.states('a1').join(), 'error');
  assert.match(target.statuses[0]!.message!, /blocklist rule functions: `work`/);
  assert.equal(target.breakpoints.size, 0);

  await engine.applyBlocklist(new Blocklist(OPEN));
  assert.deepEqual(target.states('a1'), ['error', 'installed']);
  assert.deepEqual(target.lines(), [2]);

  await engine.applyBlocklist(new Blocklist({ ...OPEN, files: ['**/src/**'] }));
  assert.deepEqual(target.states('a1'), ['error', 'installed', 'error']);
  assert.match(target.statuses[2]!.message!, /^removed after the agent's configuration changed: .*blocklist rule files: `\*\*\/src\/\*\*`/);
  assert.equal(target.breakpoints.size, 0);
  assert.equal(engine.size, 0);
});

test('a removed action leaves V8 and the main thread', async (t) => {
  const target = new FakeTarget();
  target.load(PATH, WORK);
  const engine = engineOn(target, t);
  const kept = testAction('kept', { line: 3 });
  await engine.reconcile([testAction('gone'), kept]);
  const [gone] = target.messages('arm');
  assert.deepEqual(target.lines(), [2, 3]);

  await engine.reconcile([kept]);
  assert.deepEqual(target.lines(), [3]);
  assert.deepEqual(target.messages('disarm'), [{ t: 'disarm', key: gone!.key }]);
  assert.deepEqual(target.statuses.at(-1), { actionId: 'gone', state: 'removed', message: 'the action was removed' });
  await engine.reconcile([]);
  assert.deepEqual([target.connects, target.disconnects, engine.size], [1, 1, 0]);
});

test('a tic-toc takes one key per site, and every key is disarmed when it goes', async (t) => {
  const target = new FakeTarget();
  target.load(PATH, WORK);
  const engine = engineOn(target, t);
  const tictoc = { ...testAction('tt'), type: 'tictoc', name: 'work.time', attributes: {}, toc: { line: 3 } } as unknown as Action;
  await engine.reconcile([tictoc]);
  // No prepared files: an attached target's engine, which is not told to prepare the file.
  assert.deepEqual(target.statuses[0], {
    actionId: 'tt',
    state: 'installed',
    message:
      "breakpoint; tic at line 2, toc at line 3; timed on breakpoints: each measurement includes about two breakpoint hits of V8's own cost (~0.1 ms or more), so short functions read long",
    location: { file: PATH, line: 2 },
  });
  // The calibration's own tic and toc come and go before the action's are armed.
  const keys = target
    .messages('arm')
    .filter((m) => m.actionId === 'tt')
    .map((m) => m.key);
  assert.equal(new Set(keys).size, 2);
  const disarmedBefore = target.messages('disarm').length;
  await engine.reconcile([]);
  assert.deepEqual(
    target
      .messages('disarm')
      .slice(disarmedBefore)
      .map((m) => m.key),
    keys,
  );
});

test('an action on a breakpoint moves to a prepared site once its prepared file loads, and the session closes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'probe-engine-'));
  const path = join(dir, 'work.mjs');
  writeFileSync(path, WORK);
  const channel = new MessageChannel();
  t.after(() => channel.port1.close());
  const prepared = new PreparedSites(channel.port1, new AnalysisCache());
  // The agent's port never keeps the app alive; here it must, until the file's message arrives.
  channel.port1.ref();
  const target = new FakeTarget();
  target.load(path, WORK);
  const engine = engineOn(target, t, OPEN, prepared);
  const action = testAction('a1', { file: 'work.mjs' });
  await engine.reconcile([action]);
  assert.deepEqual(target.states('a1'), ['installed']);
  assert.equal(target.statuses[0]!.message, 'breakpoint');
  const key = target.messages('arm')[0]!.key;

  // The main thread announces the prepared file (its site on line 2); the engine hears of it
  // through drainFiles, as when the app pauses before a script runs.
  const S = new Uint8Array(new SharedArrayBuffer(1));
  const announced: PreparedFileLoaded = {
    t: 'file',
    file: 0,
    path,
    sites: [2, 2, -1],
    F: new Uint8Array(new SharedArrayBuffer(1)),
    S,
    K: new Int32Array(new SharedArrayBuffer(4)),
  };
  channel.port2.postMessage(announced);
  await new Promise((resolve) => channel.port1.once('message', resolve));
  await engine.reconcile([action]);
  assert.deepEqual(target.states('a1'), ['installed', 'installed']);
  assert.deepEqual(target.statuses[1], {
    actionId: 'a1',
    state: 'installed',
    message: 'prepared site (no breakpoint)',
    location: { file: path, line: 2 },
  });
  assert.equal(S[0], 1, 'the site flag is on');
  assert.equal(target.breakpoints.size, 0);
  assert.equal(engine.probeFor(key)?.state.kind, 'prepared', 'the same key, armed again on the site');
  assert.deepEqual([target.connects, target.disconnects], [1, 1]);
  assert.deepEqual(target.logged, [OPENED, 'no breakpoints left; inspector session closed']);
});

/** A page's bundle: its lines are those of `src/auth.ts`, line for line, and it lists the page's own source too. */
function pageBundle(page: string): string {
  const map = { version: 3, sources: ['../src/auth.ts', `../src/${page}.ts`], names: [], mappings: 'AAAA;AACA;AACA;AACA' };
  return `data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}`;
}

test("a tic-toc on a file bundled into one page's script keeps timing that copy when another page's copy loads", async (t) => {
  const target = new FakeTarget();
  target.load('/app/dist/page-a.js', WORK, pageBundle('page-a'));
  const engine = engineOn(target, t);
  const tictoc = {
    ...testAction('tt', { file: 'src/auth.ts' }),
    type: 'tictoc',
    name: 'auth.time',
    attributes: {},
    toc: { line: 3 },
  } as unknown as Action;
  const log = testAction('a1', { file: 'src/auth.ts', line: 3 });
  await engine.reconcile([tictoc, log]);
  assert.deepEqual(target.states('tt'), ['installed']);
  target.load('/app/dist/page-b.js', WORK, pageBundle('page-b'));
  await engine.reconcile([tictoc, log]);
  // Before: placed again across both copies, the tic-toc failed (a toc cannot tell which copy's tic it ends) and was removed.
  assert.deepEqual(target.states('tt'), ['installed']);
  assert.equal(engine.probeFor(target.messages('arm').find((m) => m.actionId === 'tt')!.key)?.state.kind, 'breakpoints');
  // The log line goes into the new copy too.
  assert.deepEqual(target.states('a1'), ['installed', 'installed']);
  assert.deepEqual(
    [...target.breakpoints.values()].filter((b) => b.url.endsWith('page-b.js')).map((b) => b.line),
    [3],
  );
});
