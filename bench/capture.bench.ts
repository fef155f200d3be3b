/**
 * What evaluating and serializing a typical capture costs on the app's thread, next to the
 * same capture written by hand in the source: conditions, log templates, snapshot values.
 * In-process, no breakpoint: this is the work the hook does once V8 has called it (the
 * breakpoint itself is measured by cost-per-hit). The agent's default configuration applies:
 * default capture limits, default redaction. Rounds interleave both sides; each ratio is the
 * median of the per-round ratios.
 */
import { checkExpression, checkTemplate } from '@liveprobe/protocol';
import type * as Compile from '../agent/dist/main/compile.js';
import type * as RedactionModule from '../agent/dist/main/redaction.js';
import type * as Serialize from '../agent/dist/main/serialize.js';
import type * as CaptureSettings from '../agent/dist/settings/capture-settings.js';
import type * as RedactionSettings from '../agent/dist/settings/redaction-settings.js';
import { agentModule } from './lib/agent-module.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { duration, ratio } from './lib/format.js';
import { median } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const TARGET_MS_PER_SAMPLE = 100;

interface Case {
  name: string;
  probe: () => unknown;
  hand: () => unknown;
}

async function cases(): Promise<Case[]> {
  const { compileExpression, compileTemplate } = await agentModule<typeof Compile>('main/compile.js');
  const { Redaction } = await agentModule<typeof RedactionModule>('main/redaction.js');
  const { CaptureBudget, serialize } = await agentModule<typeof Serialize>('main/serialize.js');
  const { DEFAULT_CAPTURE_LIMITS } = await agentModule<typeof CaptureSettings>('settings/capture-settings.js');
  const { DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS } = await agentModule<typeof RedactionSettings>('settings/redaction-settings.js');
  const redaction = new Redaction({ keys: [...DEFAULT_REDACTED_KEYS], patterns: [...DEFAULT_PATTERNS], regexes: [], exactKeys: [] });
  const text = { limits: DEFAULT_CAPTURE_LIMITS, redaction };

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
  const scope: Record<string, unknown> = { order, user, amount: order.amount, userId: user.id };

  const expression = (source: string) => {
    const checked = checkExpression(source);
    const evaluate = compileExpression(checked.expr, checked.roots, text);
    const frame = { values: checked.roots.map((r) => scope[r]), self: undefined };
    return () => evaluate(frame);
  };
  const template = (source: string) => {
    const checked = checkTemplate(source);
    const format = compileTemplate(checked.parts, checked.roots, () => {}, text);
    const frame = { values: checked.roots.map((r) => scope[r]), self: undefined };
    return () => format(frame);
  };
  const snapshot = (values: unknown[]) => () => {
    const budget = new CaptureBudget(DEFAULT_CAPTURE_LIMITS.totalBytes);
    return values.map((v) => serialize(v, DEFAULT_CAPTURE_LIMITS, budget, redaction));
  };

  return [
    {
      name: 'condition `order.amount > 100 && user.tier == "gold"`',
      probe: expression('order.amount > 100 && user.tier == "gold"'),
      hand: () => order.amount > 100 && user.tier === 'gold',
    },
    {
      name: 'condition `order.lines[0].sku.startsWith("te")`',
      probe: expression('order.lines[0].sku.startsWith("te")'),
      hand: () => order.lines[0]!.sku.startsWith('te'),
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
      name: 'log `order {order}` (a whole object; by hand: JSON.stringify)',
      probe: template('order {order}'),
      hand: () => `order ${JSON.stringify(order)}`,
    },
    {
      name: 'snapshot of order, user, amount, userId (by hand: JSON.stringify)',
      probe: snapshot([order, user, order.amount, user.id]),
      hand: () => JSON.stringify({ order, user, amount: order.amount, userId: user.id }),
    },
  ];
}

let sink = 0;
function consume(value: unknown): void {
  sink += typeof value === 'string' ? value.length : value === true ? 1 : Array.isArray(value) ? value.length : 0;
}

/** Calls per sample so that one sample lasts about TARGET_MS_PER_SAMPLE. */
function calibrate(fn: () => unknown): number {
  for (let iterations = 1000; ; iterations *= 4) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) consume(fn());
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ms >= TARGET_MS_PER_SAMPLE / 4) return Math.ceil(iterations * (TARGET_MS_PER_SAMPLE / ms));
  }
}

/** Nanoseconds per call over one sample. */
function sample(fn: () => unknown, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) consume(fn());
  return Number(process.hrtime.bigint() - start) / iterations;
}

const benchmark: Benchmark = {
  name: 'capture',
  title: 'Capture cost: expressions and serialization vs the same capture written by hand',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 7;
    const rows: string[][] = [];
    for (const c of await cases()) {
      ctx.progress(c.name);
      const iterations = { hand: calibrate(c.hand), probe: calibrate(c.probe) };
      const hand: number[] = [];
      const probe: number[] = [];
      for (let round = 0; round < rounds; round++) {
        hand.push(sample(c.hand, iterations.hand));
        probe.push(sample(c.probe, iterations.probe));
      }
      rows.push([c.name, duration(median(hand)), duration(median(probe)), ratio(median(probe.map((p, i) => p / hand[i]!)))]);
    }
    if (sink === 0) throw new Error('nothing was measured');
    return {
      blocks: [
        renderTable(['capture', 'by hand', 'liveprobe', 'ratio'], rows, ['left', 'right', 'right', 'right']),
        `Medians of ${rounds} interleaved rounds of ~${TARGET_MS_PER_SAMPLE} ms each. Default capture limits and redaction (key names; card, bearer and JWT patterns). ` +
          'Hand-written conditions are a few nanoseconds because the JIT folds them; every liveprobe read checks for a Proxy and reads a property descriptor, ' +
          'so no getter or trap can run. Either side is small next to the ~150–250 µs of the conditional breakpoint that calls it (see cost-per-hit).',
      ],
    };
  },
};

export default benchmark;
