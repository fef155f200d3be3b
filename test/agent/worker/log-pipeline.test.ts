/**
 * A log action's records as the agent's worker exports them (the app has no logs SDK of its
 * own), through a real OTLP receiver: each keeps the time of its own hit and the order of the
 * hits, across the main thread's batches, the batch processor's and the export requests; each
 * carries the action's attributes and body, and a hit inside a span carries that span's ids.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRoot } from '@liveprobe/harness';
import { lineOf, type LogRecord, otlpReceiver, waitFor } from '../../helpers/index.js';
import { addAction, app, controlPlane, installed } from '../fixtures.js';

const WAIT = 20_000;
const FILE = 'test/fixtures/traced-work.mjs';

async function tracedWork(t: test.TestContext, agentId: string) {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const service = await app(t, {
    script: FILE,
    broker: cp.mqttUrl,
    agentId,
    env: {
      ...otlp.env('http/protobuf'),
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      // Batches smaller than a request's hits: the order must hold across export requests.
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '128',
      OTEL_BLRP_MAX_QUEUE_SIZE: '10000',
      LIVEPROBE_PREPARE: fromRoot(FILE),
      LIVEPROBE_PREPARE_CACHE: 'off',
      LIVEPROBE_QUOTA_HITS_PER_SECOND: '0',
      LIVEPROBE_QUOTA_BYTES_PER_SECOND: '0',
      LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0',
    },
  });
  const { action } = await addAction(cp, {
    type: 'log',
    file: FILE,
    line: lineOf(FILE, 'traced-work-line'),
    template: 'hit {i} squared {squared}',
    maxHits: 1_000_000,
    tags: ['e2e'],
  });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');
  const records = () => otlp.logRecords().filter((r) => r.attributes['liveprobe.action.id'] === action.id);
  return { otlp, service, actionId: action.id, records };
}

test("a log action's records keep the time and the order of their hits, with the action's attributes and body", async (t) => {
  const { otlp, service, actionId, records } = await tracedWork(t, 'pipeline-order');
  const hits = 2000;
  const before = Date.now();
  assert.equal((await fetch(`${service.url}/repeat?n=${hits}`)).status, 200);
  const after = Date.now();
  await waitFor(() => records().length >= hits, WAIT, `${hits} records`);

  const received = records();
  assert.equal(received.length, hits, 'one record per hit');
  assert.ok((otlp.requests().get('/v1/logs') ?? 0) >= hits / 128, 'the records crossed several export requests');
  assert.deepEqual(
    received.map((r) => r.body),
    Array.from({ length: hits }, (_, i) => `hit ${i} squared ${i * i}`),
    'in the order of the hits',
  );
  const times = received.map((r) => r.timeMs);
  // The hit's clock (the time origin plus a monotonic clock) may drift from this process's wall clock by a little.
  const slack = 1000;
  assert.ok(
    times.every((time) => time >= before - slack && time <= after + slack),
    'each record is timed within its request',
  );
  assert.ok(
    times.every((time, i) => i === 0 || time >= times[i - 1]!),
    "times follow the hits' order",
  );
  // Records that took their time from a batch (the main thread's every few ms, or the exporter's) would share a few values.
  assert.ok(new Set(times).size > 10, `each record has its own hit's time (${new Set(times).size} distinct times over ${hits} hits)`);

  const first = received[0]!;
  assert.equal(first.severityText, 'INFO');
  assert.equal(first.severityNumber, 9);
  assert.deepEqual(first.attributes, {
    'code.file.path': fromRoot(FILE),
    'code.line.number': lineOf(FILE, 'traced-work-line'),
    'code.function.name': 'work',
    'liveprobe.action.id': actionId,
    'liveprobe.agent.id': 'pipeline-order',
  });
  assert.equal(first.resource['service.instance.id'], 'pipeline-order');
  assert.equal(first.traceId, '', 'a hit outside any span carries no trace');
  assert.deepEqual(otlp.errors(), []);
});

test('a hit inside a span of the app’s own tracing carries that span’s trace and span ids', async (t) => {
  const { service, records } = await tracedWork(t, 'pipeline-trace');
  const response = await fetch(`${service.url}/traced?n=3`);
  assert.equal(response.status, 200);
  const span = (await response.json()) as { traceId: string; spanId: string };
  await waitFor(() => records().length >= 3, WAIT, 'the 3 records of the traced request');
  const traced = records().map((r: LogRecord) => [r.body, r.traceId, r.spanId]);
  assert.deepEqual(
    traced,
    [0, 1, 2].map((i) => [`hit ${i} squared ${i * i}`, span.traceId, span.spanId]),
  );
});
