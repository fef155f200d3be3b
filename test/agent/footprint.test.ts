import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
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

const sampling = (actionId: string) => (e: SseEvent) =>
  status(actionId, 'installed')(e) && /sampling:/.test((e.data as ActionStatusEvent).message ?? '');

/** A control plane, its event stream and the hot loop's app with `env`, and a log action on the hot line, installed. */
async function hotLineLog(t: TestContext, env: Record<string, string>, fields: { template: string; condition?: string }) {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, { script: HOT, broker: cp.mqttUrl, env });
  const { action } = await addAction(cp, { type: 'log', file: HOT, line: HOT_LINE, ...fields, tags: ['e2e'], maxHits: 1_000_000 });
  await events.waitFor(status(action.id, 'installed'), WAIT, 'installed');
  return { cp, events, service, action };
}

test('over the per-action hit quota the breakpoint samples: its burst, then windows of hits, and no pause', async (t) => {
  const { events, service, action } = await hotLineLog(
    t,
    { LIVEPROBE_QUOTA_HITS_PER_SECOND: '50', LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0' },
    { template: 'i={i}' },
  );

  const sent = performance.now();
  assert.equal(await spin(service.url, 5000), expectedTotal(5000), 'the app computes the same result');
  const spinMs = performance.now() - sent;
  const started = await events.waitFor(sampling(action.id), WAIT, 'the sampling status');
  assert.match(
    (started.data as ActionStatusEvent).message ?? '',
    /^breakpoint; sampling: on [\d.]+ m?s every [\d.]+ m?s \(\d+ hits\), ~[\d.]+% of hits, ~[\d.]+ ms of the main thread's CPU a second \((measured|estimated)\), to stay within the agent's quota of 50 hits per second$/,
  );
  const outputs = (list: SseEvent[]) =>
    list
      .filter((e) => e.event === 'output' && (e.data as { actionId: string }).actionId === action.id)
      .map((e) => (e.data as { message: string }).message);
  const lines = () => outputs(events.events()).length;
  // The agent sends its lines and statuses in order: those before the sampling status are the
  // first window's, the quota's burst of 50 and what it refilled (50 a second) while the loop ran.
  const all = events.events();
  const firstWindow = outputs(all.slice(0, all.indexOf(started)));
  const refilled = Math.floor((50 * spinMs) / 1000);
  assert.ok(
    firstWindow.length >= 50 && firstWindow.length <= 50 + refilled,
    `the burst of 50 and at most ${refilled} refilled over the ${spinMs.toFixed(0)} ms loop, got ${firstWindow.length}`,
  );
  assert.deepEqual(
    firstWindow,
    firstWindow.map((_, i) => `i=${i}`),
  );
  // The next window opens by itself: more lines from later calls.
  await waitFor(
    async () => {
      await spin(service.url, 10);
      return lines() >= firstWindow.length + 10;
    },
    WAIT,
    'lines from the next windows',
  );
  assert.equal(events.events().filter((e) => status(action.id, 'paused')(e)).length, 0, 'never paused');
});

test('the agent-wide CPU budget sets the pace of a logpoint hit in a tight loop', async (t) => {
  const { cp, events, service, action } = await hotLineLog(
    t,
    { LIVEPROBE_QUOTA_HITS_PER_SECOND: '0', LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '5' },
    { template: 'i={i}', condition: 'i % 2 == 0' },
  );
  assert.equal(await spin(service.url, 20_000), expectedTotal(20_000));
  const started = await events.waitFor(sampling(action.id), WAIT, 'the sampling status');
  assert.match(
    (started.data as ActionStatusEvent).message ?? '',
    /^breakpoint; sampling: .*, ~[\d.]+ ms of the main thread's CPU a second \((measured|estimated)\), to stay within the agent's CPU budget of 5 ms per second$/,
  );
  const view = (await (await fetch(`${cp.url}/api/v1/actions/${action.id}`)).json()) as { summary: string };
  assert.doesNotMatch(view.summary, /paused/);
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

test('an expression that fails at a hit stays the status when the breakpoint starts sampling', async (t) => {
  // `nosuch` is no variable at that line: each line says so, and so does the status.
  const { events, service, action } = await hotLineLog(
    t,
    { LIVEPROBE_QUOTA_HITS_PER_SECOND: '50', LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0' },
    { template: 'i={i} {nosuch}' },
  );
  assert.equal(await spin(service.url, 5000), expectedTotal(5000));
  const news = await events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as ActionStatusEvent).actionId === action.id &&
      /sampling:/.test((e.data as ActionStatusEvent).message ?? ''),
    WAIT,
    'the sampling status',
  );
  const { state, message } = news.data as ActionStatusEvent;
  assert.equal(state, 'error', `the failing expression is still the status: ${message}`);
  assert.match(message ?? '', /^`nosuch` is not available at this line .*; breakpoint; sampling: /);
});
