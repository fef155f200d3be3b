import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionStatusEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { addAction, app, controlPlane, mosquittoStack } from './fixtures.js';

const WAIT = 15_000;
const HOT = 'test/fixtures/hot-loop.mjs';
const HOT_LINE = lineOf(HOT, 'hot');

const status = (actionId: string, state: string) => (e: SseEvent) =>
  e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === actionId && (e.data as ActionStatusEvent).state === state;
const spin = async (url: string, n: number): Promise<number> => Number(await (await fetch(`${url}/spin?n=${n}`)).text());
const expectedTotal = (n: number): number => n * (n - 1);

test('over the per-action hit quota the breakpoint leaves V8, a pause is reported, and it resumes when the quota refills', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, {
    script: HOT,
    broker: cp.mqttUrl,
    env: { LIVEPROBE_QUOTA_HITS_PER_SECOND: '50', LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0' },
  });
  const { action } = await addAction(cp, { type: 'log', file: HOT, line: HOT_LINE, template: 'i={i}', tags: ['e2e'], maxHits: 1_000_000 });
  await events.waitFor(status(action.id, 'installed'), WAIT, 'installed');

  const sent = performance.now();
  assert.equal(await spin(service.url, 5000), expectedTotal(5000), 'the app computes the same result');
  const spinMs = performance.now() - sent;
  const paused = await events.waitFor(status(action.id, 'paused'), WAIT, 'the pause');
  assert.match(
    (paused.data as ActionStatusEvent).message ?? '',
    /^paused due to high call rate: over the quota of 50 hits per second; resuming in 1 s$/,
  );
  const outputs = (list: SseEvent[]) =>
    list
      .filter((e) => e.event === 'output' && (e.data as { actionId: string }).actionId === action.id)
      .map((e) => (e.data as { message: string }).message);
  const lines = () => outputs(events.events()).length;

  const resumed = await events.waitFor(status(action.id, 'resumed'), WAIT, 'the resume');
  assert.match((resumed.data as ActionStatusEvent).message ?? '', /^resumed after 1 s; the quota has refilled$/);
  // The agent sends its lines and statuses in order: those before the resume are all the paused
  // window let through. The first hits of the loop, one each: the quota's burst of 50, plus what
  // it refilled (50 a second) while the loop ran, and nothing once it paused.
  const all = events.events();
  const beforeResume = outputs(all.slice(0, all.indexOf(resumed)));
  const refilled = Math.floor((50 * spinMs) / 1000);
  assert.ok(
    beforeResume.length >= 50 && beforeResume.length <= 50 + refilled,
    `the burst of 50 and at most ${refilled} refilled over the ${spinMs.toFixed(0)} ms loop, got ${beforeResume.length}`,
  );
  assert.deepEqual(
    beforeResume,
    beforeResume.map((_, i) => `i=${i}`),
  );
  await spin(service.url, 10);
  await waitFor(() => lines() >= 60, WAIT, 'lines again after the resume');
});

test('the agent-wide CPU budget pauses a logpoint hit in a tight loop', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, {
    script: HOT,
    broker: cp.mqttUrl,
    env: { LIVEPROBE_QUOTA_HITS_PER_SECOND: '0', LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '5' },
  });
  const { action } = await addAction(cp, {
    type: 'log',
    file: HOT,
    line: HOT_LINE,
    template: 'i={i}',
    condition: 'i % 2 == 0',
    tags: ['e2e'],
    maxHits: 1_000_000,
  });
  await events.waitFor(status(action.id, 'installed'), WAIT, 'installed');
  assert.equal(await spin(service.url, 20_000), expectedTotal(20_000));
  const paused = await events.waitFor(status(action.id, 'paused'), WAIT, 'the pause');
  assert.match(
    (paused.data as ActionStatusEvent).message ?? '',
    /^paused: the agent spent its CPU budget of 5 ms per second in probes; resuming in 1 s$/,
  );
  const view = (await (await fetch(`${cp.url}/api/v1/actions/${action.id}`)).json()) as { summary: string };
  assert.match(view.summary, /paused/);
});

test('while the broker is down, live output is dropped and counted instead of buffered, and the count is reported on reconnect', async (t) => {
  const { broker, cp } = await mosquittoStack(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, {
    script: HOT,
    broker: broker.url,
    agentId: 'offline-1',
    env: { LIVEPROBE_QUOTA_HITS_PER_SECOND: '0', LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0' },
  });
  const { action } = await addAction(cp, { type: 'log', file: HOT, line: HOT_LINE, template: 'i={i}', tags: ['e2e'], maxHits: 1_000_000 });
  await events.waitFor(status(action.id, 'installed'), WAIT, 'installed');

  await broker.kill();
  assert.equal(await spin(service.url, 300), expectedTotal(300), 'the app is unaffected while the broker is away');
  await broker.start();
  const dropped = await events.waitFor(
    (e) => e.event === 'dropped' && (e.data as { agentId: string }).agentId === 'offline-1',
    30_000,
    'the dropped count',
  );
  assert.ok((dropped.data as { count: number }).count >= 300 - 50, `dropped ${(dropped.data as { count: number }).count}`);
});
