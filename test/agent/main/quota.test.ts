/**
 * The token bucket a prepared site samples with, and the CPU budget's window, driven by explicit
 * clock readings: what a rate lets through over a span is counted, not timed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CpuBudget, RateLimit } from '../../../agent/src/main/quota.js';
import { DEFAULT_QUOTAS } from '../../../agent/src/settings/quota-settings.js';

/** Hits taken by `limit` from `calls` evenly spread over `spanMs`. */
function taken(limit: RateLimit, calls: number, spanMs: number, start = 10_000): number {
  let n = 0;
  for (let i = 0; i < calls; i++) if (limit.take(1, start + (i * spanMs) / calls)) n++;
  return n;
}

test('a rate lets through at most one second of burst plus the rate over the span, and every other hit is refused', () => {
  for (const [rate, spanMs] of [
    [5, 10_000],
    [50, 3000],
    [200, 1000],
  ] as const) {
    const through = taken(new RateLimit(rate), 100_000, spanMs);
    assert.ok(through <= rate + (rate * spanMs) / 1000, `${rate}/s over ${spanMs} ms let ${through} through`);
    assert.ok(through >= (rate * spanMs) / 1000, `${rate}/s over ${spanMs} ms let only ${through} through: the rate is delivered`);
  }
});

test('a rate below one a second still lets its first hit through, then one every 1/rate seconds', () => {
  const half = new RateLimit(0.5);
  assert.equal(half.take(1, 10_000), true);
  assert.equal(half.take(1, 10_500), false);
  assert.equal(half.take(1, 11_999), false);
  assert.equal(half.take(1, 12_000), true);
});

test('a rate of 0 is off: every hit goes through', () => {
  assert.equal(taken(new RateLimit(0), 10_000, 100), 10_000);
});

test('the CPU budget is spent for the rest of its window, and whole again in the next', () => {
  const budget = new CpuBudget({ ...DEFAULT_QUOTAS, cpuMsPerSecond: 1 });
  assert.equal(budget.spent(5000), false);
  assert.equal(budget.spend(600, 5000), true);
  assert.equal(budget.spend(600, 5100), false);
  assert.equal(budget.spent(5900), true);
  assert.equal(budget.spent(6000), false, 'a new window');
  assert.equal(new CpuBudget({ ...DEFAULT_QUOTAS, cpuMsPerSecond: 0 }).spent(0), false, '0 turns the budget off');
});
