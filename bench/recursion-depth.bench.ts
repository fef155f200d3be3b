/**
 * What preparing a file costs a recursive function's depth (docs/PREPARE.md): how deep four small
 * functions recurse before V8's RangeError, in a process without the agent, prepared with every
 * flag off, and prepared with every twin and site on (LIVEPROBE_PREPARE_FLAGS=all). A twin keeps
 * a copy of its body's locals in the frame, so the depth falls with each `let`/`const`. Depth is
 * counted, not timed: the load does not move it.
 */
import { fromRoot } from '@liveprobe/harness';
import { execFileSync } from 'node:child_process';
import type { Benchmark, Report } from './lib/benchmark.js';
import { ratio, sig } from './lib/format.js';
import { fixture } from './lib/paths.js';
import { median } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const FUNCTIONS = [
  { key: 'plain', label: 'leaf, no local (`max = n; plain(n + 1)`)' },
  { key: 'oneConst', label: 'leaf, one `const`' },
  { key: 'threeConsts', label: 'leaf, three `const`s' },
  { key: 'notALeaf', label: 'not a leaf (an arrow function inside)' },
] as const;

const MODES = [
  { key: 'original', label: 'original', env: undefined },
  { key: 'off', label: 'prepared, flags off', env: {} },
  { key: 'all', label: 'prepared, every flag on', env: { LIVEPROBE_PREPARE_FLAGS: 'all' } },
] as const;

interface Output {
  prepared: boolean;
  depths: Record<string, number>;
}

/** One fresh process: the fixture alone, or loaded with the agent preparing it (no broker needed). */
function depths(script: string, env: Record<string, string> | undefined): Output {
  const withAgent = env !== undefined;
  const out = execFileSync(process.execPath, [...(withAgent ? ['--import', '@liveprobe/agent/register'] : []), script], {
    cwd: fromRoot('.'),
    encoding: 'utf8',
    env: { ...process.env, ...(withAgent ? { LIVEPROBE_PREPARE: script, LIVEPROBE_PREPARE_CACHE: 'off', ...env } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = JSON.parse(out.trim().split('\n').at(-1)!) as Output;
  if (output.prepared !== withAgent)
    throw new Error(`${script} was ${output.prepared ? '' : 'not '}prepared ${withAgent ? 'with' : 'without'} the agent`);
  return output;
}

const benchmark: Benchmark = {
  name: 'recursion-depth',
  title: 'Recursion depth of prepared functions (flags off and on) against the original',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 3;
    const script = fixture('recursion-depth.cjs');
    /** Per mode and function: the depth of every round, and its ratio to the original's in the same round. */
    const depth = new Map<string, number[]>();
    const ratios = new Map<string, number[]>();
    const push = (map: Map<string, number[]>, key: string, value: number) => map.set(key, [...(map.get(key) ?? []), value]);
    for (let round = 1; round <= rounds; round++) {
      ctx.progress(`recursion-depth: round ${round}/${rounds}`);
      const outputs = MODES.map((mode) => depths(script, mode.env));
      for (const [m, mode] of MODES.entries())
        for (const { key } of FUNCTIONS) {
          push(depth, `${mode.key} ${key}`, outputs[m]!.depths[key]!);
          push(ratios, `${mode.key} ${key}`, outputs[m]!.depths[key]! / outputs[0]!.depths[key]!);
        }
    }
    const cell = (mode: string, key: string) => {
      const d = sig(median(depth.get(`${mode} ${key}`)!), 5);
      return mode === 'original' ? d : `${d} (${ratio(median(ratios.get(`${mode} ${key}`)!))})`;
    };
    return {
      blocks: [
        `${rounds} rounds; in each, bench/fixtures/recursion-depth.cjs runs once per mode in a fresh process (Node's default stack size) and reports the deepest call before \`RangeError\`. ` +
          'Prepared: loaded with the agent, `LIVEPROBE_PREPARE` naming the file, cache off. Depths are medians over rounds, ratios the median of the per-round ratios to the original.',
        renderTable(
          ['function', ...MODES.map((m) => m.label)],
          FUNCTIONS.map(({ key, label }) => [label, ...MODES.map((m) => cell(m.key, key))]),
          ['left', 'right', 'right', 'right'],
        ),
      ],
    };
  },
};

export default benchmark;
