// What a probe's capture costs next to the same capture written by hand in the source:
// evaluating conditions, formatting log templates, serializing values for snapshots.
// Both sides run in this one process, interleaved, so the ratio is not skewed by the machine.
//
//   npm run build && node bench/capture.bench.mjs
import { cpus, platform, release } from 'node:os';
import { checkExpression, checkTemplate } from '@liveprobe/protocol';
import { compileExpression, compileTemplate } from '../agent/dist/main/compile.js';
import { Redaction } from '../agent/dist/main/redaction.js';
import { CaptureBudget, DEFAULT_CAPTURE_LIMITS, serialize } from '../agent/dist/main/serialize.js';
import { DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS } from '../agent/dist/redaction-settings.js';

const ROUNDS = 7;
const TARGET_MS_PER_ROUND = 150;

/** The agent's default configuration: redaction on, default limits. */
const text = { limits: DEFAULT_CAPTURE_LIMITS, redaction: new Redaction({ keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] }) };

// A typical request's values at a probed line.
const user = { id: 'u1', name: 'Ada Lovelace', tier: 'gold', email: 'ada@example.com', createdAt: new Date(0) };
const order = {
  id: 4211,
  userId: 'u1',
  amount: 123.45,
  lines: [
    { sku: 'tea', quantity: 2, amount: 9 },
    { sku: 'mug', quantity: 1, amount: 12 },
    { sku: 'pot', quantity: 3, amount: 105 },
  ],
  tags: new Set(['gift', 'express']),
  status: 'paid',
};
const scope = { order, user, amount: order.amount, userId: user.id };

function expression(source) {
  const checked = checkExpression(source);
  const evaluate = compileExpression(checked.expr, checked.roots, text);
  const values = checked.roots.map((r) => scope[r]);
  return () => evaluate({ values, self: undefined });
}

function template(source) {
  const checked = checkTemplate(source);
  const format = compileTemplate(checked.parts, checked.roots, () => {}, text);
  const values = checked.roots.map((r) => scope[r]);
  return () => format({ values, self: undefined });
}

function snapshot(values) {
  return () => {
    const budget = new CaptureBudget(DEFAULT_CAPTURE_LIMITS.totalBytes);
    return values.map((v) => serialize(v, DEFAULT_CAPTURE_LIMITS, budget, text.redaction));
  };
}

/** Each case: the probe's way, and the same capture as a developer would write it in the code. */
const cases = [
  {
    name: 'condition `order.amount > 100 && user.tier == "gold"`',
    probe: expression('order.amount > 100 && user.tier == "gold"'),
    hand: () => order.amount > 100 && user.tier === 'gold',
  },
  {
    name: 'condition `order.lines[0].sku.startsWith("te")`',
    probe: expression('order.lines[0].sku.startsWith("te")'),
    hand: () => order.lines[0].sku.startsWith('te'),
  },
  {
    name: 'log `order {order.id} for {userId}: {amount}`',
    probe: template('order {order.id} for {userId}: {amount}'),
    hand: () => `order ${order.id} for ${user.id}: ${order.amount}`,
  },
  {
    name: 'log `{user.name} ({user.tier}) paid {order.status}`',
    probe: template('{user.name} ({user.tier}) paid {order.status}'),
    hand: () => `${user.name} (${user.tier}) paid ${order.status}`,
  },
  {
    name: 'log `order {order}` (a whole object)',
    probe: template('order {order}'),
    hand: () => `order ${JSON.stringify(order)}`,
  },
  {
    name: 'snapshot of order, user, amount, userId',
    probe: snapshot([order, user, order.amount, user.id]),
    hand: () => JSON.stringify({ order, user, amount: order.amount, userId: user.id }),
  },
];

let sink = 0;
const consume = (value) => {
  sink += typeof value === 'string' ? value.length : value === true ? 1 : Array.isArray(value) ? value.length : 0;
};

/** Nanoseconds per call: the median of several timed rounds, each long enough to matter. */
function measure(fn) {
  let iterations = 1000;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) consume(fn());
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ms >= TARGET_MS_PER_ROUND / 4) {
      iterations = Math.ceil(iterations * (TARGET_MS_PER_ROUND / ms));
      break;
    }
    iterations *= 4;
  }
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) consume(fn());
    rounds.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  rounds.sort((a, b) => a - b);
  return rounds[Math.floor(ROUNDS / 2)];
}

const rows = cases.map(({ name, probe, hand }) => {
  // Interleave warm-ups so neither side gets a cold start.
  measure(hand);
  measure(probe);
  const handNs = measure(hand);
  const probeNs = measure(probe);
  return { name, handNs, probeNs, ratio: probeNs / handNs };
});

const cpu = cpus();
console.log('command: npm run build && node bench/capture.bench.mjs');
console.log(`machine: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, ${platform()} ${release()}, Node ${process.version}`);
console.log('config:  default capture limits, default redaction (key names + card/bearer/JWT patterns)');
console.log('');
const width = Math.max(...rows.map((r) => r.name.length));
const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
console.log(`| ${'capture'.padEnd(width)} | by hand    | liveprobe  | ratio   |`);
console.log(`|${'-'.repeat(width + 2)}|------------|------------|---------|`);
for (const r of rows) {
  console.log(`| ${r.name.padEnd(width)} | ${fmt(r.handNs).padStart(10)} | ${fmt(r.probeNs).padStart(10)} | ${`${r.ratio.toFixed(1)}×`.padStart(7)} |`);
}
if (sink === 0) console.log('(nothing measured)');
