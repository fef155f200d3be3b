/**
 * What V8's pause on exceptions costs, the mechanism exception snapshots would use on the
 * breakpoint path: a worker's inspector session on the main thread with
 * `Debugger.setPauseOnExceptions`, resuming each pause (and, in one variant, reading the
 * throwing frame's locals first with `Debugger.evaluateOnCallFrame`, as a capture would).
 * Two workloads on the main thread: code that throws nothing, and a function that throws an
 * Error its caller catches. Variants interleave in each round (the order rotating); ratios are
 * to no session, within the round.
 */
import { Worker } from 'node:worker_threads';
import type { Benchmark, Report } from './lib/benchmark.js';
import { duration, ratio } from './lib/format.js';
import { median } from './lib/stats.js';
import { renderTable } from './lib/table.js';

/** The session's side: pause state from the main thread; on a pause, optionally read a local, then resume. */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { Session } = require('node:inspector/promises');
let session;
parentPort.on('message', async ({ state, capture }) => {
  if (session !== undefined) { try { session.disconnect(); } catch {} session = undefined; }
  if (state !== 'off') {
    session = new Session();
    session.connectToMainThread();
    const own = session;
    own.on('Debugger.paused', async ({ params }) => {
      try {
        if (capture) {
          await own.post('Debugger.evaluateOnCallFrame', { callFrameId: params.callFrames[0].callFrameId, expression: 'JSON.stringify([order, quantity])' });
        }
        await own.post('Debugger.resume');
      } catch {
        // the variant ended: the session closed, which released the pause
      }
    });
    await session.post('Debugger.enable');
    await session.post('Debugger.setPauseOnExceptions', { state });
  }
  parentPort.postMessage('ready');
});`;

const VARIANTS = [
  { key: 'off', label: 'no inspector session', state: 'off', capture: false },
  { key: 'none', label: 'session, pause on exceptions off', state: 'none', capture: false },
  { key: 'uncaught', label: "session, pause on uncaught exceptions ('uncaught')", state: 'uncaught', capture: false },
  { key: 'all', label: "session, pause on every exception ('all'), resumed at once", state: 'all', capture: false },
  { key: 'capture', label: "'all', reading the throwing frame's locals before resuming", state: 'all', capture: true },
] as const;

function fail(order: { id: number; amount: number }, quantity: number): never {
  throw new Error(`order ${order.id}: ${quantity} is too many`);
}

function work(order: { id: number; amount: number }, quantity: number): number {
  return JSON.stringify({ ...order, quantity }).length;
}

/** ns per call of `task`, over about `targetMs`. */
function measure(task: (i: number) => void, count: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) task(i);
  return Number(process.hrtime.bigint() - start) / count;
}

const WORKLOADS = [
  { key: 'quiet', label: 'no error thrown (a small function)', count: 200_000, task: (i: number) => void work({ id: i, amount: 9 }, 2) },
  {
    key: 'throws',
    label: 'an Error thrown and caught',
    count: 300,
    task: (i: number) => {
      try {
        fail({ id: i, amount: 9 }, 2);
      } catch {
        // the caller handles it, as a framework's error handler would
      }
    },
  },
] as const;

const benchmark: Benchmark = {
  name: 'exception-pause',
  title: 'Pause on exceptions (the breakpoint path of exception snapshots)',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 7;
    const worker = new Worker(WORKER, { eval: true });
    const use = (state: string, capture: boolean) =>
      new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.postMessage({ state, capture });
      });
    const samples = new Map<string, number[]>();
    const ratios = new Map<string, number[]>();
    for (let round = 0; round < rounds; round++) {
      ctx.progress(`exception-pause: round ${round + 1}/${rounds}`);
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      const measured = new Map<string, number>();
      for (const variant of order) {
        await use(variant.state, variant.capture);
        for (const workload of WORKLOADS) {
          measure(workload.task, Math.ceil(workload.count / 10)); // warm-up
          measured.set(`${variant.key}/${workload.key}`, measure(workload.task, workload.count));
        }
      }
      for (const [key, ns] of measured) {
        samples.set(key, [...(samples.get(key) ?? []), ns]);
        const base = measured.get(`off/${key.split('/')[1]}`)!;
        ratios.set(key, [...(ratios.get(key) ?? []), ns / base]);
      }
    }
    await use('off', false);
    await worker.terminate();
    const rows = VARIANTS.map((v) =>
      WORKLOADS.flatMap((w) => [duration(median(samples.get(`${v.key}/${w.key}`)!)), ratio(median(ratios.get(`${v.key}/${w.key}`)!))]),
    ).map((cells, i) => [VARIANTS[i]!.label, ...cells]);
    return {
      blocks: [
        renderTable(['variant', 'no error: per call', 'ratio', 'thrown and caught: per throw', 'ratio'], rows, [
          'left',
          'right',
          'right',
          'right',
          'right',
        ]),
        `Median of ${rounds} interleaved rounds; ratios to no session in the same round. ${WORKLOADS[0].count} calls and ${WORKLOADS[1].count} throws per sample.`,
      ],
    };
  },
};

export default benchmark;
