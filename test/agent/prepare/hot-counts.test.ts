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
import { lineOf, otlpReceiver, sseEvents, waitFor } from '../../helpers/index.js';
import { addAction, app, controlPlane, getAction, installed } from '../fixtures.js';

const WAIT = 15_000;
const FILE = 'test/fixtures/prepared/work.mjs';

test('a counter on a prepared line counts every hit of a hot loop, and the console shows the hits summed', async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const shop = await app(t, {
    script: 'test/fixtures/prepared/server.mjs',
    broker: cp.mqttUrl,
    agentId: 'prepared-hot',
    env: {
      ...otlp.env('http/protobuf'),
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      WORK_MODULE: 'esm',
      LIVEPROBE_PREPARE: `${fromRoot('test/fixtures/prepared')}/*.mjs,!**/server.mjs`,
      LIVEPROBE_LOG_LEVEL: 'debug',
      LIVEPROBE_PREPARE_CACHE: 'off',
      // The default quotas, on: a prepared site is cheap enough that they should not need raising.
    },
  });
  await waitFor(() => /prepared [1-9]\d* files/.test(shop.output()), WAIT, 'the start-up report');
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const { action } = await addAction(cp, {
    type: 'counter',
    file: FILE,
    line: lineOf(FILE, 'work-line'),
    name: 'prepared.work.calls',
    tags: ['e2e'],
  });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');

  const calls = [2000, 1, 3000, 3];
  for (const n of calls) assert.equal((await fetch(`${shop.url}/repeat?n=${n}`)).status, 200);
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
