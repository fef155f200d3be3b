/**
 * A counter on a hot prepared line: every hit counts, however fast they come. Hits reach the
 * worker summed per batch and the console as one line a second, so the series, the console and
 * the action's hit count must all add up to exactly the calls the app made, with no quota in
 * the way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionStatusEvent, OutputEvent } from '@liveprobe/protocol';
import { fromRoot } from '@liveprobe/harness';
import { lineOf, sseEvents, waitFor } from '../../helpers/index.js';
import { addAction, app, controlPlane, deleteAction, getAction, installed } from '../fixtures.js';
import { PREPARED_WORK, preparedShop } from './prepared-shop.js';

const WAIT = 15_000;
const FILE = PREPARED_WORK;

test('a counter on a prepared line counts every hit of a hot loop, and the console shows the hits summed', async (t) => {
  // The default quotas, on: a prepared site is cheap enough that they should not need raising.
  const { cp, otlp, events, repeat } = await preparedShop(t, 'prepared-hot');
  const { action } = await addAction(cp, {
    type: 'counter',
    file: FILE,
    line: lineOf(FILE, 'work-line'),
    name: 'prepared.work.calls',
    tags: ['e2e'],
  });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');

  const calls = [2000, 1, 3000, 3];
  for (const n of calls) await repeat(n);
  const total = calls.reduce((a, b) => a + b, 0);
  await otlp.waitForMetric((p) => p.name === 'prepared.work.calls' && p.value === total, WAIT, `the counter at ${total}`);

  const counted = () =>
    events
      .events()
      .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === action.id)
      .map((e) => (e.data as OutputEvent).message);
  await waitFor(
    () => counted().reduce((sum, line) => sum + Number(/^prepared\.work\.calls \+(\d+)$/.exec(line)?.[1] ?? NaN), 0) === total,
    WAIT,
    `console lines adding up to ${total}`,
  );
  assert.ok(counted().length <= 10, `hits arrive summed, a line a second at most, not one each (${counted().length} lines)`);
  // The action's status counts every hit, not every line.
  await waitFor(async () => (await getAction(cp, action.id)).statuses[0]?.hits === total, WAIT, `the action's status at ${total} hits`);
  assert.ok(
    !events.events().some((e) => e.event === 'action_status' && (e.data as { state: string }).state === 'paused'),
    'no quota paused the counter',
  );
});

test('over the CPU budget a counter on a prepared line is paused, though it reads the clock once in a thousand hits', async (t) => {
  const cp = await controlPlane(t);
  const shop = await app(t, {
    script: 'test/fixtures/prepared/server.mjs',
    broker: cp.mqttUrl,
    agentId: 'prepared-budget',
    env: {
      WORK_MODULE: 'esm',
      LIVEPROBE_PREPARE: `${fromRoot('test/fixtures/prepared')}/*.mjs,!**/server.mjs`,
      LIVEPROBE_PREPARE_CACHE: 'off',
      LIVEPROBE_QUOTA_HITS_PER_SECOND: '0',
      LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '1',
    },
  });
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const { action } = await addAction(cp, {
    type: 'counter',
    file: FILE,
    line: lineOf(FILE, 'work-line'),
    name: 'prepared.work.budget',
    tags: ['e2e'],
  });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
  // Half a million hits in one request: far more than 1 ms of probe time a second, however cheap each is.
  assert.equal((await fetch(`${shop.url}/repeat?n=500000`)).status, 200);
  const paused = await events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as ActionStatusEvent).actionId === action.id &&
      (e.data as ActionStatusEvent).state === 'paused',
    WAIT,
    'the counter paused',
  );
  assert.match((paused.data as ActionStatusEvent).message ?? '', /^paused: the agent spent its CPU budget of 1 ms per second in probes/);
});

test('a counter on a prepared line with a hit limit reports exactly its limit, though the hot loop runs past it before its site turns off', async (t) => {
  const { cp, otlp, shop, linesSum, repeat } = await preparedShop(t, 'prepared-limit');
  const { action } = await addAction(cp, {
    type: 'counter',
    file: FILE,
    line: lineOf(FILE, 'work-line'),
    name: 'prepared.work.limited',
    maxHits: 1000,
    tags: ['e2e'],
  });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
  // One synchronous run of 5000 hits: the site counts in place until the worker reads it.
  await repeat(5000);
  await waitFor(async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'hit_limit'), WAIT, 'the hit limit');
  await repeat(5000);
  const flags = (await (await fetch(`${shop.url}/flags`)).json()) as { sites: number };
  assert.equal(flags.sites, 0, 'the site is off once the limit is reached');
  await otlp.waitForMetric((p) => p.name === 'prepared.work.limited' && p.value === 1000, WAIT, 'the counter at its limit');
  await waitFor(() => linesSum(action.id) === 1000, WAIT, 'console lines adding up to the limit');
  const view = await getAction(cp, action.id);
  assert.equal(view.statuses[0]?.hits, 1000, "the action's hit count is its limit");
  assert.ok(!otlp.metricPoints().some((p) => p.name === 'prepared.work.limited' && (p.value ?? 0) > 1000), 'never past the limit');
});

test('a counter and a log on one prepared line: the log gets its lines, the counter counts every hit before, while and after the log is on', async (t) => {
  const { cp, otlp, events, linesSum, repeat } = await preparedShop(t, 'prepared-counter-log');
  const line = lineOf(FILE, 'work-line');
  const { action: counter } = await addAction(cp, { type: 'counter', file: FILE, line, name: 'prepared.work.shared', tags: ['e2e'] });
  assert.equal(await installed(cp, counter.id), 'installed: prepared site (no breakpoint)');
  await repeat(3000);
  const { action: log } = await addAction(cp, { type: 'log', file: FILE, line, template: 'n={n}', tags: ['e2e'] });
  assert.equal(await installed(cp, log.id), 'installed: prepared site (no breakpoint)');
  await repeat(5);
  await events.waitFor(
    (e) => e.event === 'output' && (e.data as OutputEvent).actionId === log.id && (e.data as OutputEvent).message === 'n=4',
    WAIT,
    'the log line of the fifth hit',
  );
  await deleteAction(cp, log.id);
  await events.waitFor(
    (e) =>
      e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === log.id && (e.data as ActionStatusEvent).state === 'removed',
    WAIT,
    'the log removed',
  );
  await repeat(4000);
  const total = 3000 + 5 + 4000;
  await otlp.waitForMetric((p) => p.name === 'prepared.work.shared' && p.value === total, WAIT, `the counter at ${total}`);
  await waitFor(() => linesSum(counter.id) === total, WAIT, `console lines adding up to ${total}`);
  await waitFor(async () => (await getAction(cp, counter.id)).statuses[0]?.hits === total, WAIT, `the counter's status at ${total} hits`);
});

test("a counter on a prepared line counts the main thread's hits exactly while a worker thread of the app runs the same line, which computes what it did", async (t) => {
  const { cp, otlp, shop, linesSum, repeat } = await preparedShop(t, 'prepared-threads');
  const { action } = await addAction(cp, {
    type: 'counter',
    file: FILE,
    line: lineOf(FILE, 'work-line'),
    name: 'prepared.work.threads',
    tags: ['e2e'],
  });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
  const n = 3000;
  // work(i) = i² + 1, summed.
  const expected = ((n - 1) * n * (2 * n - 1)) / 6 + n;
  const inThread = fetch(`${shop.url}/repeat-in-thread?n=${n}`).then((r) => r.json());
  await repeat(2000);
  assert.equal(await inThread, expected, 'the worker thread computed what it did');
  await repeat(1000);
  // The agent runs on the app's main thread only: the worker thread's hits are not its to count.
  await otlp.waitForMetric((p) => p.name === 'prepared.work.threads' && p.value === 3000, WAIT, 'the counter at 3000');
  await waitFor(() => linesSum(action.id) === 3000, WAIT, 'console lines adding up to 3000');
  assert.ok(!otlp.metricPoints().some((p) => p.name === 'prepared.work.threads' && (p.value ?? 0) > 3000), "no hit of the worker thread's");
});
