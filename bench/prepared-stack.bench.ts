/**
 * What reading an error's stack costs the app's main thread when its frames are in a file
 * `liveprobe prepare` wrote: the agent's stack formatter keeps each such frame at its place in the
 * prepared text on disk (main/stack-traces.ts), as it reads without the agent. One minified-like
 * line of 3,000 functions, a stack of 10 frames along it, Node's plain formatter, sites off.
 * Instructions (callgrind), so no load on the machine moves them: the main thread's count at N and
 * 2N stacks, the difference over N. LIVEPROBE_BENCH_BASELINE=<another build's agent/dist> counts
 * that build's agent beside this one.
 */
import { fromRoot } from '@liveprobe/harness';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, Report } from './lib/benchmark.js';
import { baselineRegister } from './lib/baseline-agent.js';
import { hasValgrind, mainThreadInstructions } from './lib/callgrind.js';
import { ratio } from './lib/format.js';
import { fixture } from './lib/paths.js';
import { renderTable } from './lib/table.js';

const BASELINE = process.env.LIVEPROBE_BENCH_BASELINE;
const FUNCTIONS = 3000;
/** Frames of each stack in the file: each function calls the one STEP before it on the line. */
const DEPTH = 10;
const STEP = 300;
/** Stacks per callgrind run (and twice as many): the slope between them is one stack. */
const STACKS = 200;

/** One line: `f<i>` returns a stack `d` calls deeper, through functions spread along the line. */
function wideSource(): string {
  const functions: string[] = [];
  for (let i = 0; i < FUNCTIONS; i++) {
    functions.push(
      i < STEP
        ? `function f${i}(d){return new Error("x").stack}`
        : `function f${i}(d){return d===0?new Error("x").stack:f${i - STEP}(d-1)}`,
    );
  }
  return `${functions.join('')}module.exports={top:f${FUNCTIONS - 1}};\n`;
}

const benchmark: Benchmark = {
  name: 'prepared-stack',
  title: 'A stack through a file `liveprobe prepare` wrote: instructions per stack on the main thread',
  async run(ctx): Promise<Report> {
    if (!hasValgrind()) return { blocks: ['valgrind is not installed: no instruction counts.'] };
    const dir = mkdtempSync(join(tmpdir(), 'liveprobe-bench-stack-'));
    try {
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src', 'wide.js'), wideSource());
      ctx.progress('prepared-stack: liveprobe prepare');
      execFileSync(process.execPath, [fromRoot('cli/dist/main.js'), 'prepare', join(dir, 'src'), '--out', join(dir, 'prepared')], {
        stdio: 'ignore',
      });
      const file = join(dir, 'prepared', 'wide.js');
      const variants: [string, string[]][] = [
        ['no agent', []],
        ['agent, this build', ['--import', '@liveprobe/agent/register']],
        ...(BASELINE === undefined ? [] : [['agent, baseline', ['--import', baselineRegister(BASELINE)]] as [string, string[]]]),
      ];
      const perStack = new Map<string, number>();
      for (const [name, nodeArgs] of variants) {
        ctx.progress(`prepared-stack: instructions per stack, ${name} (callgrind)`);
        const run = (stacks: number) => mainThreadInstructions([...nodeArgs, fixture('prepared-stack.cjs'), file, String(stacks)], {});
        const once = await run(STACKS);
        perStack.set(name, ((await run(2 * STACKS)) - once) / STACKS);
      }
      const bare = perStack.get('no agent')!;
      const rows = variants.map(([name]) => {
        const count = perStack.get(name)!;
        const bareRow = name === 'no agent';
        return [
          name,
          `${Math.round(count / 1000)}k`,
          bareRow ? '—' : `${Math.round((count - bare) / 1000)}k`,
          bareRow ? '—' : ratio(count / bare),
        ];
      });
      return {
        blocks: [
          `Instructions per stack on the app's main thread (valgrind --tool=callgrind --separate-threads=yes over node --predictable bench/fixtures/prepared-stack.cjs at ${STACKS} and ${2 * STACKS} stacks: the difference over ${STACKS}). Each stack: \`new Error().stack\` ${DEPTH} frames deep in a one-line file of ${FUNCTIONS.toLocaleString('en-US')} functions that \`liveprobe prepare\` wrote, Node's plain formatter, every site off. A count does not depend on the machine's load.`,
          renderTable(['app', 'per stack', 'added by the agent', '× no agent'], rows, ['left', 'right', 'right', 'right']),
        ],
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
