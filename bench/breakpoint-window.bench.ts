/**
 * What one sampling window of a breakpoint costs the app's main thread, part by part (issue 21:
 * the duty cycle must hold a line's real cost to the CPU budget). In one process
 * (fixtures/breakpoint-window.mjs) the main thread calls a request-like function in a loop while
 * a worker's inspector session, connected to it, does one thing to that function: nothing; sets
 * and removes a breakpoint on a line of it no call reaches, every 250 ms (V8 discards the
 * function's compiled code each time, and it must tier up again); keeps such a
 * breakpoint in; keeps a breakpoint on the line every call runs, with the condition `false` (a
 * break per call) or a read of a flag (what gating in the condition would cost instead of setting
 * and removing); sets and removes that breakpoint every 250 ms, 10 ms in. The variants interleave,
 * the order rotating each round; each one's main-thread CPU per call is compared with "nothing"
 * in the same round. Alone, with the main thread idle, what setting and removing costs it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Benchmark, Report } from './lib/benchmark.js';
import { range, sig } from './lib/format.js';
import { fixture } from './lib/paths.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';

interface Variant {
  kind: 'none' | 'churn' | 'held' | 'idle-set-remove';
  line?: 'hit' | 'miss';
  periodMs?: number;
  onMs?: number;
  condition?: string;
  times?: number;
  label: string;
}

const VARIANTS: Variant[] = [
  { kind: 'none', label: 'nothing' },
  { kind: 'churn', line: 'miss', periodMs: 250, onMs: 10, label: 'set and removed every 250 ms (in for 10 ms), on a line no call reaches' },
  { kind: 'held', line: 'miss', label: 'kept in, on a line no call reaches' },
  { kind: 'held', line: 'hit', label: 'kept in on the line every call runs, condition `false`: a break per call' },
  {
    kind: 'held',
    line: 'hit',
    condition: 'globalThis.__liveprobeGate === true',
    label: 'the same, the condition a read of a flag (gating in the condition)',
  },
  {
    kind: 'churn',
    line: 'hit',
    periodMs: 250,
    onMs: 10,
    label: 'set and removed every 250 ms (in for 10 ms), on the line every call runs, condition `false`',
  },
];
const IDLE: Variant = { kind: 'idle-set-remove', line: 'miss', times: 50, label: 'set and removed 50 times, the main thread idle' };

interface Row {
  round: number;
  kind: Variant['kind'];
  line?: string;
  periodMs?: number;
  condition?: string;
  calls?: number;
  nsPerCall?: number;
  windows: number;
  mainCpuNs?: number;
  setUs: number;
  removeUs: number;
}

const sameVariant = (row: Row, v: Variant) =>
  row.kind === v.kind && row.line === v.line && row.periodMs === v.periodMs && row.condition === v.condition;

const benchmark: Benchmark = {
  name: 'breakpoint-window',
  title: "What a sampling window costs the app's main thread, part by part",
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 3;
    const seconds = 2;
    ctx.progress(`breakpoint-window: ${rounds} rounds of ${VARIANTS.length} variants × ${seconds} s`);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [fixture('breakpoint-window.mjs'), JSON.stringify([...VARIANTS, IDLE]), String(seconds), String(rounds)],
      { maxBuffer: 1 << 20 },
    );
    const rows = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Row);
    const none = (round: number) => rows.find((r) => r.round === round && r.kind === 'none')!;
    const table = renderTable(
      [
        'what the worker does to the function',
        'main-thread CPU per call',
        '× nothing',
        'added per window (or per call)',
        'range over rounds',
      ],
      VARIANTS.map((v) => {
        const mine = rows.filter((r) => sameVariant(r, v));
        const perCall = mine.map((r) => r.nsPerCall!);
        const ratios = mine.map((r) => r.nsPerCall! / none(r.round).nsPerCall!);
        // Per window for the set-and-remove variants; per call where the breakpoint stays in.
        const added = mine.map((r) =>
          v.kind === 'churn'
            ? ((r.nsPerCall! - none(r.round).nsPerCall!) * r.calls!) / 1e6 / Math.max(1, r.windows)
            : (r.nsPerCall! - none(r.round).nsPerCall!) / 1000,
        );
        const unit = v.kind === 'churn' ? 'ms a window' : 'µs a call';
        return [
          v.label,
          `${sig(median(perCall))} ns`,
          v.kind === 'none' ? '×1' : `×${sig(median(ratios))}`,
          v.kind === 'none' ? '—' : `${sig(median(added))} ${unit}`,
          v.kind === 'none' ? '—' : range(sig(min(added)), sig(max(added))),
        ];
      }),
      ['left', 'right', 'right', 'right', 'right'],
    );
    const idle = rows.filter((r) => r.kind === 'idle-set-remove');
    const idleUs = idle.map((r) => r.mainCpuNs! / r.windows / 1000);
    return {
      blocks: [
        `One process: the main thread calls \`route(path)\` (parse a URL, look a product up in a Map, build the answer: about the example shop's route) in a loop for ${seconds} s per variant, its CPU time per call read from Linux's schedstat; a worker's inspector session (\`connectToMainThread\`) does what the first column says meanwhile. ${rounds} rounds, variants interleaved, the order rotating; "× nothing" and "added" against the loop with nothing done in the same round (median; range over rounds). "Added per window" is the extra CPU over the run divided by the windows in it: setting and removing, the function running unoptimised while the breakpoint is in and until V8 has compiled it again.`,
        table,
        `Setting and removing the breakpoint with the main thread idle: ${sig(median(idleUs))} µs of its CPU a pair (${range(sig(min(idleUs)), sig(max(idleUs)))} over rounds).`,
      ],
    };
  },
};

export default benchmark;
