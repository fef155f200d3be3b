/**
 * One phase of preparing, run once over a corpus in a fresh process (as at an app's cold start,
 * JIT warm-up included), for bench/prepare-speed.bench.ts. Prints `{ cpuMs, wallMs, bytes }`:
 * CPU time is what the phase costs whatever else the machine runs; wall time is shown beside it.
 *
 * `same-output` instead prints how many files the transform prepares identically with acorn and
 * with oxc-parser (its raw transfer where it works, as `liveprobe prepare` uses it): `{ same, different, files }`.
 *
 * `transform-warm` runs the whole transform over the corpus once untimed, then measures a second
 * pass in the same process: the difference from `transform` is the JIT warm-up a cold start pays.
 *
 * `transform-baseline` runs the whole transform of another build (LIVEPROBE_BENCH_BASELINE_AGENT).
 *
 * `transform-oxc-raw` runs the whole transform on oxc-parser's raw transfer, as `liveprobe prepare`
 * does where it can (Node 22 or later); it fails (no sample) elsewhere.
 *
 * `build-<n>` runs `liveprobe prepare`'s own file loop on `n` threads (`--jobs n`): read, transform,
 * composed source map, write (into a temporary folder); its CPU time counts every thread's.
 *
 * usage: node prepare-phase.js <acorn|scope|transform|transform-baseline|transform-warm|oxc|transform-oxc|transform-oxc-raw|build-<n>|same-output> <file>…
 */
import { fromRoot } from '@liveprobe/harness';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type * as Transform from '../../agent/dist/prepare/transform.js';
import type * as AcornParse from '../../agent/dist/prepare/acorn-parse.js';
import type * as ScopePass from '../../agent/dist/locate/scope-pass.js';
import type * as PreparePool from '../../cli/dist/prepare/prepare-pool.js';
import type * as CliOxcParse from '../../cli/dist/prepare/oxc-parse.js';

type OxcParse = (
  file: string,
  source: string,
  options: object,
) => { program: { body: unknown[] }; comments: unknown[]; errors: { message: string }[] };

/** oxc-parser behind the transform's parser interface: ESTree with UTF-16 offsets, like acorn's. */
async function oxcParser(): Promise<Transform.SourceParser> {
  const { parseSync } = (await import('oxc-parser' as string)) as { parseSync: OxcParse };
  return (source, kind) => {
    const result = parseSync(kind === 'module' ? 'x.mjs' : 'x.cjs', source, { sourceType: kind, preserveParens: false, range: false });
    if (result.errors.length > 0) throw new Error(result.errors[0]!.message);
    return { program: result.program as never, comments: result.comments as never };
  };
}

/** The CLI's oxc-parser on raw transfer; undefined where raw transfer does not work (Node 20). */
async function rawParser(): Promise<Transform.SourceParser | undefined> {
  const { oxcRawParser } = (await import(pathToFileURL(fromRoot('cli/dist/prepare/oxc-parse.js')).href)) as typeof CliOxcParse;
  return oxcRawParser();
}

const transform = async (dist = fromRoot('agent/dist')): Promise<typeof Transform> =>
  (await import(pathToFileURL(join(dist, 'prepare/transform.js')).href)) as typeof Transform;

const [phase, ...files] = process.argv.slice(2);
const sources = files.map((f) => readFileSync(f, 'utf8'));
const kindOf = (file: string): 'module' | 'commonjs' => (file.endsWith('.mjs') ? 'module' : 'commonjs');
// The transform's own acorn parse (agent/src/prepare/acorn-parse.ts).
const { parseWithComments } = (await import(pathToFileURL(fromRoot('agent/dist/prepare/acorn-parse.js')).href)) as typeof AcornParse;
const acornParse = (source: string, file: string): unknown =>
  parseWithComments(
    source,
    {
      ecmaVersion: 'latest',
      sourceType: kindOf(file) === 'module' ? 'module' : 'script',
      allowHashBang: true,
      allowReturnOutsideFunction: kindOf(file) === 'commonjs',
    },
    [],
  );

/** How many files the transform prepares identically with acorn and with oxc-parser. */
async function sameOutput(): Promise<void> {
  const { prepareSource } = await transform();
  const parser = (await rawParser()) ?? (await oxcParser());
  const outcome = (source: string, file: string, withOxc: boolean): string => {
    try {
      return JSON.stringify(prepareSource(source, { kind: kindOf(file), header: 'const $lp = 0;', ...(withOxc ? { parser } : {}) }));
    } catch {
      // Both refusing the file counts as the same: the messages are each parser's own words.
      return 'refused';
    }
  };
  const same = sources.filter((source, i) => outcome(source, files[i]!, false) === outcome(source, files[i]!, true)).length;
  process.stdout.write(`${JSON.stringify({ same, different: files.length - same, files: files.length })}\n`);
}

if (phase === 'same-output') {
  await sameOutput();
  process.exit(0);
}

/** The build step's loop over the corpus on `threads` threads, into a temporary folder. */
async function buildStep(threads: number): Promise<void> {
  const { prepareAll } = (await import(pathToFileURL(fromRoot('cli/dist/prepare/prepare-pool.js')).href)) as typeof PreparePool;
  const out = mkdtempSync(join(tmpdir(), 'liveprobe-bench-build-'));
  const jobs = files.map((path, i) => ({
    file: { path, relative: `${i}-${path.split('/').pop()}`, kind: kindOf(path) },
    target: join(out, `${i}-${path.split('/').pop()}`),
  }));
  const cpu = process.cpuUsage();
  const started = performance.now();
  await prepareAll(
    jobs,
    sources.map((s) => Buffer.byteLength(s)),
    threads,
    () => {},
  );
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  rmSync(out, { recursive: true, force: true });
  const bytes = sources.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  process.stdout.write(`${JSON.stringify({ cpuMs: (used.user + used.system) / 1000, wallMs, bytes })}\n`);
}

if (phase?.startsWith('build-') === true) {
  await buildStep(Number(phase.slice('build-'.length)));
  process.exit(0);
}

let run: (source: string, file: string) => unknown;
switch (phase) {
  case 'acorn':
    run = acornParse;
    break;
  case 'scope': {
    // The transform's own scope analysis (agent/src/locate/scope-pass.ts).
    const { analyseScopes } = (await import(pathToFileURL(fromRoot('agent/dist/locate/scope-pass.js')).href)) as typeof ScopePass;
    run = (source, file) => analyseScopes(acornParse(source, file) as never, kindOf(file));
    break;
  }
  case 'transform': {
    const { prepareSource } = await transform();
    run = (source, file) => prepareSource(source, { kind: kindOf(file), header: 'const $lp = 0;' });
    break;
  }
  case 'transform-baseline': {
    // Another build of the agent (LIVEPROBE_BENCH_BASELINE_AGENT: its agent/dist), for before and after.
    const dist = process.env.LIVEPROBE_BENCH_BASELINE_AGENT;
    if (dist === undefined) throw new Error("transform-baseline needs LIVEPROBE_BENCH_BASELINE_AGENT (another build's agent/dist)");
    const { prepareSource } = await transform(dist);
    run = (source, file) => prepareSource(source, { kind: kindOf(file), header: 'const $lp = 0;' });
    break;
  }
  case 'transform-warm': {
    const { prepareSource } = await transform();
    run = (source, file) => prepareSource(source, { kind: kindOf(file), header: 'const $lp = 0;' });
    sources.forEach((source, i) => {
      try {
        run(source, files[i]!);
      } catch {
        // Refused files are refused again in the measured pass.
      }
    });
    break;
  }
  case 'oxc': {
    const parser = await oxcParser();
    run = (source, file) => parser(source, kindOf(file));
    break;
  }
  case 'transform-oxc': {
    const { prepareSource } = await transform();
    const parser = await oxcParser();
    run = (source, file) => prepareSource(source, { kind: kindOf(file), header: 'const $lp = 0;', parser });
    break;
  }
  case 'transform-oxc-raw': {
    const { prepareSource } = await transform();
    const parser = await rawParser();
    if (parser === undefined) throw new Error(`oxc-parser's raw transfer needs Node 22 or later (this is ${process.version})`);
    run = (source, file) => prepareSource(source, { kind: kindOf(file), header: 'const $lp = 0;', parser });
    break;
  }
  default:
    throw new Error(
      `unknown phase ${phase}; use acorn, scope, transform, transform-warm, oxc, transform-oxc, transform-oxc-raw or build-<n>`,
    );
}

const cpu = process.cpuUsage();
const started = performance.now();
sources.forEach((source, i) => {
  try {
    run(source, files[i]!);
  } catch {
    // A file the phase refuses costs what it cost until then, as at start-up.
  }
});
const wallMs = performance.now() - started;
const used = process.cpuUsage(cpu);
const bytes = sources.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
process.stdout.write(`${JSON.stringify({ cpuMs: (used.user + used.system) / 1000, wallMs, bytes })}\n`);
