/**
 * The duty cycle of a sampling breakpoint, from readings a fake clock drives through a window:
 * the next window's hits and the pause after it keep the line within its rate, the CPU budget
 * and the output quota, whichever is the least, and the status's figures follow from them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dutyCycle, MAX_BREAKPOINT_COST_FACTOR, type CycleLimits, type WindowReading } from '../../../agent/src/main/duty-cycle.js';
import { SamplingWindow } from '../../../agent/src/main/sampling-window.js';
import { windowClose } from '../../../agent/src/main/breakpoint-sampling.js';
import { DEFAULT_QUOTAS } from '../../../agent/src/settings/quota-settings.js';

const DEFAULTS: CycleLimits = { hitsPerSecond: 200, cpuMsPerSecond: 50, bytesPerSecond: 262_144, breakpointCostUs: 150 };

/** A window driven by a fake clock: `hits` hits `everyUs` apart, each taking `hookUs` in the hook and `bytes` of output. */
function drive(window: SamplingWindow, hits: number, everyUs: number, hookUs: number, bytes = 0, start = 1000): WindowReading {
  for (let i = 0; i < hits; i++) {
    const at = start + (i * everyUs) / 1000;
    window.hit(at);
    window.passed++;
    window.bytes += bytes;
    window.ended(at + hookUs / 1000, hookUs);
  }
  return window.reading();
}

test('a hot line at 5,000 hits a second samples to the hit quota: windows of 200 hits every second, ~4% of its hits', () => {
  // 200 µs between hit starts: 20 µs in the hook, 180 µs between (V8's part and the app's work).
  const reading = drive(new SamplingWindow(undefined, undefined), 200, 200, 20, 10);
  assert.equal(reading.hits, 200);
  assert.ok(Math.abs(reading.onMs - 39.8) < 1e-9);
  assert.ok(Math.abs(reading.medianGapUs - 180) < 1e-6);
  const cycle = dutyCycle(reading, DEFAULTS)!;
  assert.equal(cycle.bound, 'rate');
  assert.equal(cycle.perSecond, 200);
  // 20 µs in the hook + 180 µs of V8 = 200 µs a hit; a window lets through a second's worth of hits.
  assert.ok(Math.abs(cycle.costPerHitUs - 200) < 1e-6);
  assert.equal(cycle.allow, 200);
  assert.equal(cycle.periodMs, 1000);
  // The line ran at 200 / 39.8 ms while on: 200 hits take ~40 ms of the second.
  const onRate = (200 * 1000) / 39.8;
  assert.ok(Math.abs(cycle.onMs - (200 * 1000) / onRate) < 1e-9);
  assert.ok(Math.abs(cycle.offMs - (1000 - cycle.onMs)) < 1e-9);
  assert.ok(Math.abs(cycle.share! - 200 / onRate) < 1e-12);
  assert.ok(Math.abs(cycle.passedPerSecond - onRate) < 1e-9);
  // On average: 200 hits of 200 µs every second is 40 ms a second, within the 50 ms budget.
  assert.ok((cycle.allow * cycle.costPerHitUs) / cycle.periodMs <= DEFAULTS.cpuMsPerSecond);
});

test('an expensive hit is bound by the CPU budget, and a window holds a second of its share', () => {
  // A snapshot: 900 µs in the hook, hits back to back with 300 µs of V8 between.
  const cycle = dutyCycle(drive(new SamplingWindow(undefined, undefined), 20, 1200, 900), DEFAULTS)!;
  assert.equal(cycle.bound, 'cpu');
  assert.ok(Math.abs(cycle.costPerHitUs - 1200) < 1e-6);
  assert.ok(Math.abs(cycle.perSecond - 50_000 / 1200) < 1e-9);
  // 41.7 hits a second: windows of 41 hits (49.2 ms of probe time) every 984 ms.
  assert.equal(cycle.allow, 41);
  assert.ok(Math.abs(cycle.periodMs - (41 * 1000) / cycle.perSecond) < 1e-9);
  assert.ok((cycle.allow * cycle.costPerHitUs) / cycle.periodMs <= DEFAULTS.cpuMsPerSecond + 1e-9, 'within the budget on average');
});

test("V8's part is charged the median gap between hits, never under the configured cost nor over four times it", () => {
  const cost = (gapUs: number) => dutyCycle(drive(new SamplingWindow(undefined, undefined), 10, gapUs + 10, 10), DEFAULTS)!.costPerHitUs;
  assert.ok(Math.abs(cost(100) - (10 + 150)) < 1e-6, 'a gap under the configured cost: the configured cost');
  assert.ok(Math.abs(cost(400) - (10 + 400)) < 1e-6, 'a loaded machine: the measured gap');
  assert.ok(Math.abs(cost(50_000) - (10 + 150 * MAX_BREAKPOINT_COST_FACTOR)) < 1e-6, "a line hit now and then: the gap is the app's time");
  const single = dutyCycle(drive(new SamplingWindow(undefined, undefined), 1, 0, 10), DEFAULTS)!;
  assert.ok(Math.abs(single.costPerHitUs - 160) < 1e-6, 'one hit, no gap: the configured cost');
});

test("the action's own rate, the output quota, and a window whose rate is unknown", () => {
  const slow = dutyCycle(drive(new SamplingWindow(undefined, undefined), 40, 200, 20), { ...DEFAULTS, hitsPerSecond: 2 })!;
  assert.equal(slow.bound, 'rate');
  assert.equal(slow.allow, 2);
  assert.equal(slow.periodMs, 1000);
  const slower = dutyCycle(drive(new SamplingWindow(undefined, undefined), 40, 200, 20), { ...DEFAULTS, hitsPerSecond: 0.5 })!;
  assert.equal(slower.allow, 1, 'under one hit a second: windows of one hit');
  assert.equal(slower.periodMs, 2000);

  // 4 KiB a line: 64 lines a second fill 256 KiB.
  const bytes = dutyCycle(drive(new SamplingWindow(undefined, undefined), 100, 200, 20, 4096), DEFAULTS)!;
  assert.equal(bytes.bound, 'bytes');
  assert.equal(bytes.perSecond, 64);
  assert.equal(bytes.allow, 64);
  assert.equal(bytes.periodMs, 1000);

  // A window of one hit: no rate to go by, so the pause is the whole period and the share is unknown.
  const one = dutyCycle(drive(new SamplingWindow(1, 1000), 1, 0, 20), DEFAULTS)!;
  assert.equal(one.share, undefined);
  assert.equal(one.onMs, 0);
  assert.equal(one.offMs, one.periodMs);
  assert.equal(one.passedPerSecond, 0);

  assert.equal(
    dutyCycle(drive(new SamplingWindow(undefined, undefined), 10, 200, 20), {
      ...DEFAULTS,
      hitsPerSecond: 0,
      cpuMsPerSecond: 0,
      bytesPerSecond: 0,
    }),
    undefined,
    'no limit: no sampling',
  );
});

test('a line slower than its window needs is not paused between windows', () => {
  // 200 hits 10 ms apart take 2 s, longer than the second their period allows at 200 a second.
  const reading = drive(new SamplingWindow(200, 1000), 200, 10_000, 20);
  const cycle = dutyCycle(reading, { ...DEFAULTS, cpuMsPerSecond: 0 })!;
  assert.equal(cycle.periodMs, 1000);
  assert.equal(cycle.offMs, 0);
  assert.equal(cycle.share, 1);
});

test('a window opened by the worker counts from its opening; its allowance closes it', () => {
  const window = new SamplingWindow(3, 500);
  drive(window, 2, 1000, 10, 0, 600);
  assert.equal(window.spent, false);
  drive(window, 1, 1000, 10, 0, 700);
  assert.equal(window.spent, true);
  assert.equal(window.reading().onMs, 200);
  assert.equal(new SamplingWindow(undefined, undefined).spent, false, 'the first window: the hit quota decides');
});

test("the agent's CPU budget is shared by the breakpoints that sample, and the pace is named for the status", () => {
  const reading = drive(new SamplingWindow(undefined, undefined), 200, 200, 20);
  const alone = windowClose(reading, {}, DEFAULTS_QUOTAS(), 1, undefined);
  assert.equal(alone.reason, "the agent's quota of 200 hits per second");
  const four = windowClose(reading, {}, DEFAULTS_QUOTAS(), 4, undefined);
  assert.equal(four.cycle?.bound, 'cpu');
  assert.equal(four.reason, "the agent's CPU budget of 50 ms per second, shared by 4 sampling breakpoints");
  assert.equal(four.cycle?.cpuMsPerSecond, 12.5, 'each sampling breakpoint has its share of the budget');
  assert.equal(windowClose(reading, { ratePerSecond: 20 }, DEFAULTS_QUOTAS(), 1, undefined).reason, 'its ratePerSecond of 20');
  const off = { ...DEFAULTS_QUOTAS(), hitsPerSecond: 0, cpuMsPerSecond: 0, bytesPerSecond: 0 };
  assert.deepEqual(windowClose(reading, {}, off, 1, 'over it'), { reason: 'over it' });
});

function DEFAULTS_QUOTAS() {
  return { ...DEFAULT_QUOTAS };
}

test("the hits around a window's edges cost breaks too: the CPU budget affords fewer captured hits", () => {
  // 250 µs a hit (a loaded machine): the budget affords 200 breaks a second.
  const drive250 = (closedHits: number) => {
    const window = new SamplingWindow(50, 1000, closedHits);
    for (let i = 0; i < 50; i++) {
      window.hit(1000 + i * 0.25);
      window.ended(1000 + i * 0.25, 0);
    }
    return dutyCycle(window.reading(), { ...DEFAULTS, hitsPerSecond: 0 })!;
  };
  const clean = drive250(0);
  assert.equal(clean.bound, 'cpu');
  assert.equal(clean.perSecond, 200);
  // 50 more breaks after each window of 50 (V8 let go late): half the breaks are captured.
  const late = drive250(50);
  assert.equal(late.perSecond, 100);
  assert.equal(late.periodMs, (late.allow * 1000) / 100);
});
