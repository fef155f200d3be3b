/**
 * A log action on a hot prepared line stays on and samples: at most its rate is captured and
 * exported, and every other hit is counted, never silent. A flood with the quotas off overruns
 * the exporter's queue: what the queue could not take is counted too. The checks add hits up
 * (exported + counted == calls made); the only time involved is the rate's own bound.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DroppedEvent } from '@liveprobe/protocol';
import { lineOf, type OtlpReceiver, type SseStream, waitFor } from '../../helpers/index.js';
import { addAction, getAction, installed } from '../fixtures.js';
import { PREPARED_WORK, preparedShop } from './prepared-shop.js';

const WAIT = 20_000;
const FILE = PREPARED_WORK;

/** Hits the live stream reported as not exported for this action, for a reason starting with `reason`. */
function droppedCount(events: SseStream, actionId: string, reason: string): number {
  return events
    .events()
    .filter((e) => e.event === 'dropped')
    .map((e) => e.data as DroppedEvent)
    .filter((d) => d.actionId === actionId && d.reason.startsWith(reason))
    .reduce((sum, d) => sum + d.count, 0);
}

function exportedCount(otlp: OtlpReceiver, actionId: string): number {
  return otlp.logRecords().filter((r) => r.attributes['liveprobe.action.id'] === actionId).length;
}

test('a log on a hot prepared line samples to its ratePerSecond and counts every other hit as sampled', async (t) => {
  const { cp, otlp, shop, events } = await preparedShop(t, 'sampling-1', {});
  const rate = 5;
  const { action } = await addAction(cp, {
    type: 'log',
    file: FILE,
    line: lineOf(FILE, 'work-line'),
    template: 'squaring {n}',
    ratePerSecond: rate,
    tags: ['e2e'],
  });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');

  const calls = [20_000, 1, 5000, 3];
  const started = performance.now();
  for (const n of calls) assert.equal((await fetch(`${shop.url}/repeat?n=${n}`)).status, 200);
  const elapsedS = (performance.now() - started) / 1000;
  const total = calls.reduce((a, b) => a + b, 0);

  await waitFor(
    () => exportedCount(otlp, action.id) + droppedCount(events, action.id, 'sampled:') === total,
    WAIT,
    `exported and sampled hits adding up to the ${total} calls`,
  );
  const exported = exportedCount(otlp, action.id);
  // A bucket of one second's worth, refilled at the rate: never more than that over the calls' span.
  assert.ok(exported >= 1, 'the first hit is captured');
  assert.ok(exported <= rate * elapsedS + rate, `${exported} records in ${elapsedS.toFixed(2)} s at ${rate}/s`);
  const sampled = total - exported;
  await otlp.waitForMetric(
    (p) =>
      p.name === 'liveprobe.hits.not_exported' &&
      p.attributes['liveprobe.action.id'] === action.id &&
      p.attributes['liveprobe.reason'] === 'sampled' &&
      p.attributes['liveprobe.limit'] === 'rate' &&
      p.value === sampled,
    WAIT,
    `liveprobe.hits.not_exported at ${sampled}`,
  );
  await waitFor(
    async () => (await getAction(cp, action.id)).statuses[0]?.message?.includes(`${sampled.toLocaleString('en')} sampled`) === true,
    WAIT,
    'the sampled total in the action status',
  );
  const status = (await getAction(cp, action.id)).statuses[0];
  assert.equal(status?.state, 'installed', `sampling is not a pause: the site stays on (${status?.message})`);
  assert.ok(
    !events.events().some((e) => e.event === 'action_status' && (e.data as { state: string }).state === 'paused'),
    'no quota paused the action',
  );
});

test('a flood with the quotas off: every record the exporter queue could not take is counted as dropped', async (t) => {
  const { cp, otlp, shop, events } = await preparedShop(t, 'flood-1', {
    LIVEPROBE_QUOTA_HITS_PER_SECOND: '0',
    LIVEPROBE_QUOTA_BYTES_PER_SECOND: '0',
    LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0',
    OTEL_BLRP_MAX_QUEUE_SIZE: '50',
  });
  const { action } = await addAction(cp, {
    type: 'log',
    file: FILE,
    line: lineOf(FILE, 'work-line'),
    template: 'squaring {n}',
    maxHits: 1_000_000,
    tags: ['e2e'],
  });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');

  const total = 30_000;
  assert.equal((await fetch(`${shop.url}/repeat?n=${total}`)).status, 200);
  await waitFor(
    () => exportedCount(otlp, action.id) + droppedCount(events, action.id, "the OpenTelemetry exporter's queue was full") === total,
    WAIT,
    `exported and dropped records adding up to the ${total} calls`,
  );
  const dropped = total - exportedCount(otlp, action.id);
  assert.ok(dropped > 0, 'a queue of 50 cannot take 30,000 records at once: some were dropped, and counted');
  assert.equal(droppedCount(events, action.id, 'sampled:'), 0, 'with the quotas off nothing is sampled');
  await otlp.waitForMetric(
    (p) =>
      p.name === 'liveprobe.hits.not_exported' &&
      p.attributes['liveprobe.action.id'] === action.id &&
      p.attributes['liveprobe.reason'] === 'export_queue_full' &&
      p.value === dropped,
    WAIT,
    `liveprobe.hits.not_exported at ${dropped}`,
  );
});
