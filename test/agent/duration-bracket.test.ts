/**
 * What a duration reports lies between the app's own measurements of the same call: at least
 * the function's work (timed inside it), at most the call (timed around it), on both install
 * paths and for two actions on one function. On breakpoints the status says the measurement
 * includes the breakpoints' own cost.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { otlpReceiver, startApp, waitFor } from '../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane, getAction } from './fixtures.js';

const WAIT = 20_000;
const APP = 'test/fixtures/measured.mjs';

for (const [path, env, installedAs] of [
  ['breakpoints', {}, /^breakpoint; .*timed on breakpoints: each measurement includes/],
  ['prepared sites', { LIVEPROBE_PREPARE: fromRoot(APP), LIVEPROBE_PREPARE_CACHE: 'off' }, /^prepared sites? \(no breakpoint\)/],
] as const) {
  test(`on ${path}, two durations of one function each lie between the app's inner and outer timing of the call`, async (t) => {
    const cp = await controlPlane(t);
    const otlp = await otlpReceiver();
    t.after(() => otlp.stop());
    const service = await startApp({
      script: APP,
      broker: cp.mqttUrl,
      tags: ['e2e'],
      module: 'esm',
      env: { ...env, ...otlp.env('http/protobuf'), OTEL_METRIC_EXPORT_INTERVAL: '500' },
    });
    t.after(() => service.stop());
    const names = ['spin.first', 'spin.second'];
    for (const name of names) {
      const { action } = await addAction(cp, { type: 'duration', file: APP, function: 'spin', name, tags: ['e2e'] });
      await waitFor(
        async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'installed' && installedAs.test(s.message ?? '')),
        WAIT,
        `${name} installed on ${path}`,
      );
    }
    const { inner, outer } = (await (await fetch(`${service.url}/?ms=3`)).json()) as { inner: number; outer: number };
    for (const name of names) {
      const point = await otlp.waitForMetric((p) => p.name === name && p.count === 1, WAIT, `the ${name} point`);
      const reported = (point.sum ?? 0) * 1000;
      assert.ok(reported >= inner && reported <= outer, `${name}: ${reported} ms, the app timed ${inner} ms inside and ${outer} ms around`);
    }
  });
}
