/**
 * What a duration reports lies between the app's own measurements of the same call: at least
 * the function's work (timed inside it), at most the call (timed around it), on both install
 * paths, and two actions on one function report the same interval. On breakpoints the status
 * says what part of the breakpoints' own cost is taken off.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, appExportingTo, getAction } from './fixtures.js';

const WAIT = 20_000;
const APP = 'test/fixtures/measured.mjs';

for (const [path, env, installedAs] of [
  [
    'breakpoints',
    {},
    /^breakpoint; .*timed on breakpoints: V8's own cost of the two breakpoint hits, \d+ µs at least as measured in this process \(on a copy of the function that returns at once\), is taken off/,
  ],
  ['prepared sites', { LIVEPROBE_PREPARE: fromRoot(APP), LIVEPROBE_PREPARE_CACHE: 'off' }, /^prepared sites? \(no breakpoint\)/],
] as const) {
  test(`on ${path}, two durations of one function each lie between the app's inner and outer timing of the call`, async (t) => {
    const { cp, otlp, service } = await appExportingTo(t, APP, { ...env, OTEL_METRIC_EXPORT_INTERVAL: '500' });
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
    const reported: number[] = [];
    for (const name of names) {
      const point = await otlp.waitForMetric((p) => p.name === name && p.count === 1, WAIT, `the ${name} point`);
      reported.push((point.sum ?? 0) * 1000);
      assert.ok(
        reported.at(-1)! >= inner && reported.at(-1)! <= outer,
        `${name}: ${reported.at(-1)} ms, the app timed ${inner} ms inside and ${outer} ms around`,
      );
    }
    // The two actions pass the function's entry and exit together: one measurement, not two.
    assert.equal(reported[0], reported[1], 'both actions report the same interval');
  });
}
