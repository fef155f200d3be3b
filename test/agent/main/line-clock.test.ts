/**
 * Log lines on a prepared site may share a clock reading within one synchronous run (LineClock):
 * each line's time is never later than its hit, never earlier than the previous line's, and no
 * older than the app's own reading taken just before the hit READ_EVERY_LINES − 1 lines earlier
 * in the same run. Checked against the app's clock read beside every hit, in one loop and across
 * requests, with the quotas off (the CPU budget keeps every line on the exact clock).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRoot } from '@liveprobe/harness';
import { READ_EVERY_LINES } from '../../../agent/src/main/line-clock.js';
import { lineOf, otlpReceiver, waitFor } from '../../helpers/index.js';
import { addAction, app, controlPlane, installed } from '../fixtures.js';

const WAIT = 20_000;
const FILE = 'test/fixtures/prepared/stamped.mjs';
/** OTLP carries nanoseconds; the receiver turns them into a double of milliseconds (~0.25 µs steps). */
const ROUNDING_MS = 0.001;

test('log lines in one loop and across requests carry non-decreasing times within the documented bound of the hit', async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const shop = await app(t, {
    script: 'test/fixtures/prepared/server.mjs',
    broker: cp.mqttUrl,
    agentId: 'line-clock-1',
    env: {
      ...otlp.env('http/protobuf'),
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      LIVEPROBE_PREPARE: `${fromRoot('test/fixtures/prepared')}/*.mjs,!**/server.mjs`,
      LIVEPROBE_PREPARE_CACHE: 'off',
      LIVEPROBE_QUOTA_HITS_PER_SECOND: '0',
      LIVEPROBE_QUOTA_BYTES_PER_SECOND: '0',
      LIVEPROBE_CPU_BUDGET_MS_PER_SECOND: '0',
    },
  });
  // Loaded (and prepared) before the action arrives.
  assert.equal((await fetch(`${shop.url}/stamped?n=0`)).status, 200);
  const { action } = await addAction(cp, {
    type: 'log',
    file: FILE,
    line: lineOf(FILE, 'stamped-line'),
    template: 'i={i}',
    maxHits: 100_000,
    tags: ['e2e'],
  });
  assert.equal(await installed(cp, action.id), 'installed: prepared site (no breakpoint)');

  // Runs of lines: a long loop (where readings are shared), single lines, and another loop.
  const runs = [1500, 1, 1, 300, 40];
  /** Per line i: the app's reading just before its hit and just after, and the first line of its run. */
  const before: number[] = [];
  const after: number[] = [];
  const runStart: number[] = [];
  for (const n of runs) {
    const from = before.length;
    const response = await fetch(`${shop.url}/stamped?n=${n}&from=${from}`);
    const readings = (await response.json()) as number[];
    for (let k = 0; k < n; k++) {
      before.push(readings[2 * k]!);
      after.push(readings[2 * k + 1]!);
      runStart.push(from);
    }
  }
  const total = before.length;
  const lines = () => otlp.logRecords().filter((r) => r.attributes['liveprobe.action.id'] === action.id);
  await waitFor(() => lines().length === total, WAIT, `${total} log lines exported`);

  const times: number[] = [];
  for (const record of lines()) {
    const i = Number(/^i=(\d+)$/.exec(String(record.body))?.[1]);
    assert.ok(Number.isInteger(i) && i < total && times[i] === undefined, `one line per hit, got ${String(record.body)}`);
    times[i] = record.timeMs;
  }
  for (let i = 0; i < total; i++) {
    const time = times[i]!;
    assert.ok(time <= after[i]! + ROUNDING_MS, `line ${i}: ${time} is later than the app's reading after its hit (${after[i]})`);
    const oldest = Math.max(runStart[i]!, i - (READ_EVERY_LINES - 1));
    assert.ok(
      time >= before[oldest]! - ROUNDING_MS,
      `line ${i}: ${time} is older than the app's reading before line ${oldest} (${before[oldest]}), the bound`,
    );
    if (i > 0) assert.ok(time >= times[i - 1]! - ROUNDING_MS, `line ${i}: ${time} is earlier than line ${i - 1}'s ${times[i - 1]}`);
  }
});
