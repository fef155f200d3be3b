/**
 * A process that exits right after a hit still delivers it: the agent hands over the batched
 * hits and flushes its OpenTelemetry exports before the process ends (ARCHITECTURE §8).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineOf, otlpReceiver } from '../helpers/index.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';

const WAIT = 15_000;
const JOB = 'test/fixtures/short-job.mjs';

test('a log and a counter hit just before the process exits reach the OTLP receiver', async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  // Export timers far beyond the process's life: only the flush at exit can deliver.
  const job = await app(t, { script: JOB, broker: cp.mqttUrl, agentId: 'short-job', env: { ...otlp.env('http/protobuf'), OTEL_BLRP_SCHEDULE_DELAY: '60000', OTEL_METRIC_EXPORT_INTERVAL: '60000' } });
  const line = lineOf(JOB, 'settle');
  const log = await addAction(cp, { type: 'log', file: JOB, line, template: 'settled {order.id}: {total}', tags: ['e2e'] });
  const counter = await addAction(cp, { type: 'counter', file: JOB, line, name: 'job.settled', tags: ['e2e'] });
  assert.match(await installed(cp, log.action.id), /^installed/);
  assert.match(await installed(cp, counter.action.id), /^installed/);

  assert.equal(await (await fetch(`${job.url}/finish`)).text(), 'bye');
  assert.equal((await job.exited).code, 0);
  assert.doesNotMatch(job.output(), /Waiting for the debugger/);
  const record = await otlp.waitForLog((r) => r.body === 'settled 7: 42', WAIT, 'the last log line');
  assert.equal(record.attributes['liveprobe.action.id'], log.action.id);
  await otlp.waitForMetric((p) => p.name === 'job.settled' && p.value === 1, WAIT, 'the last count');
});
