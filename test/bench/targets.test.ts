// The "Targets" table of `npm run bench`: how a target is judged from its rounds, and how the
// rows of every benchmark come out as one Markdown table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atMost, ratioAtMost, renderTargets, spread, verdictAtMost, verdictWithin } from '../../bench/lib/targets.js';

const ms = (value: number) => `${value} ms`;

test('a target is met when every round is within it, not met when none is, unresolved when the rounds straddle it', () => {
  assert.equal(verdictAtMost([3, 4.9, 5], 5), 'yes');
  assert.equal(verdictAtMost([5.1, 9, 40], 5), 'no');
  assert.equal(verdictAtMost([0.91, 1.07], 1), 'unresolved');
  // One round alone is judged as it is.
  assert.equal(verdictAtMost([1.3], 1.2), 'no');
  assert.equal(verdictAtMost([-2], 0), 'yes');
});

test('a round that measured nothing leaves a target unresolved instead of being skipped', () => {
  assert.equal(verdictAtMost([], 5), 'unresolved');
  // A ratio over a floor of zero: the other rounds alone would say "yes".
  assert.equal(verdictAtMost([1, Number.NaN, 1.1], 1.2), 'unresolved');
  assert.equal(verdictAtMost([1, Number.POSITIVE_INFINITY], 1.2), 'unresolved');
});

test('a target between two bounds is met inside them, at either edge included', () => {
  assert.equal(verdictWithin([40, 50, 55], 40, 55), 'yes');
  assert.equal(verdictWithin([30, 70], 40, 55), 'no');
  assert.equal(verdictWithin([45, 70], 40, 55), 'unresolved');
});

test('what was measured reads as the median with its range over rounds, and says which rounds measured nothing', () => {
  assert.equal(spread([3, 1, 2], ms), '2 ms (1 ms – 3 ms over 3 rounds)');
  assert.equal(spread([7], ms), '7 ms');
  assert.equal(spread([2, 2], ms, 'actions'), '2 ms (2 ms over 2 actions)');
  assert.equal(spread([1, Number.NaN, 3], ms), '2 ms (1 ms – 3 ms over 2 rounds; 1 of 3 rounds not measurable)');
  assert.equal(spread([Number.NaN], ms), 'not measurable in any of 1 rounds');
  assert.equal(spread([], ms), 'not measured');
});

test("a row carries the issue's words, the spread, the floor and the verdict", () => {
  assert.deepEqual(atMost('stall ≤ 5 ms', [2, 8], 5, ms, 'idle: 1 ms'), {
    target: 'stall ≤ 5 ms',
    measured: '5 ms (2 ms – 8 ms over 2 rounds)',
    floor: 'idle: 1 ms',
    met: 'unresolved',
  });
});

test('a ratio target is judged on the ratios within each round when every round measured a floor', () => {
  const row = ratioAtMost('≤ 1.2× by hand', [11, 12, 30], [10, 10, 20], 1.2, ms, 'by hand');
  assert.equal(row.measured, '×1.20 (×1.10 – ×1.50 over 3 rounds)');
  assert.equal(row.floor, 'by hand: 10 ms (10 ms – 20 ms over 3 rounds)');
  assert.equal(row.met, 'unresolved');
  assert.equal(ratioAtMost('t', [11, 12], [10, 10], 1.2, ms, 'f').met, 'yes');
  assert.equal(ratioAtMost('t', [30, 40], [10, 10], 1.2, ms, 'f').met, 'no');
});

test('a ratio target whose floor is lost in the noise in some round is judged on bounds across rounds', () => {
  // The line by hand measured −6, 0.7 and 4 µs: no ratio means anything, but 11 µs at least is beyond 1.2 × 4.
  const beyond = ratioAtMost('t', [11, 14, 39], [-6, 0.7, 4], 1.2, ms, 'f');
  assert.equal(beyond.met, 'no');
  assert.match(beyond.measured, /^14 ms \(11 ms – 39 ms over 3 rounds\); the floor is not above zero in every round/);
  assert.equal(ratioAtMost('t', [3, 5], [-6, 4], 1.2, ms, 'f').met, 'unresolved');
  assert.equal(ratioAtMost('t', [], [], 1.2, ms, 'f').met, 'unresolved');
  assert.equal(ratioAtMost('t', [3, Number.NaN], [0, 1], 1.2, ms, 'f').met, 'unresolved');
});

test("every benchmark's rows come out in one table, in the order the benchmarks ran, each naming its benchmark", () => {
  const table = renderTargets([
    { benchmark: 'memory-parts', rows: [atMost('idle agent RSS ≤ +15 MiB', [12, 14], 15, (v) => `+${v} MiB`, 'bare app: 50 MiB')] },
    { benchmark: 'cost-per-hit', rows: [atMost('counter hit ≤ 30 ns', [41, 45], 30, (v) => `${v} ns`, 'by hand: 24 ns')] },
  ]);
  const lines = table.split('\n');
  assert.equal(lines.length, 4);
  assert.deepEqual(cells(lines[0]!), ['target', 'measured', 'floor (same run)', 'met', 'benchmark']);
  assert.match(lines[1]!, /^\|-+\|-+\|-+\|-+\|-+\|$/);
  assert.deepEqual(cells(lines[2]!), [
    'idle agent RSS ≤ +15 MiB',
    '+13 MiB (+12 MiB – +14 MiB over 2 rounds)',
    'bare app: 50 MiB',
    'yes',
    'memory-parts',
  ]);
  assert.deepEqual(cells(lines[3]!), [
    'counter hit ≤ 30 ns',
    '43 ns (41 ns – 45 ns over 2 rounds)',
    'by hand: 24 ns',
    'no',
    'cost-per-hit',
  ]);
  // Padded to one width per column, so the table reads in a terminal too.
  assert.equal(new Set(lines.map((l) => [...l].length)).size, 1);
});

test('a run whose benchmarks report no target says so instead of printing an empty table', () => {
  assert.equal(renderTargets([]), 'No benchmark that ran reports a target.');
  assert.equal(renderTargets([{ benchmark: 'capture', rows: [] }]), 'No benchmark that ran reports a target.');
});

function cells(line: string): string[] {
  return line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}
