/**
 * What binding one prepared file costs the app's main thread: the registry call its header
 * makes as it loads (prepared as it loads, CommonJS: the registry takes the output the loader
 * left; prepared at build time: the header passes its data, each build's own, whose position table
 * the call decodes into shared memory, prepare/packed-text.ts, or, before build17, packs from its
 * object, prepare/packed-table.ts; since tail18 its sites too, its site names kept as text), up to the announcement posted to the worker; and evaluating that
 * data's literal, which the header does first. In-process, with the worker's end of the channel left unread
 * while timing (its side runs on another thread). LIVEPROBE_BENCH_BASELINE=<another build's
 * agent/dist> times that build's registry on the same prepared output, interleaved, ratios taken
 * within a round. Then what the first breakpoint in a twinned function waits for on the worker:
 * the twin's place, found through the table the binding shared (with a baseline: found as that
 * build finds it, the file prepared again with the prepare cache off); and what the worker's
 * fallback costs, for a table whose shared memory could not be had (worker/prepared/position-tables.ts).
 * Last, what a process keeps with typescript.js loaded through each build's agent (heap, RSS):
 * the table each thread holds for stack traces and twins.
 */
import { fromRoot } from '@liveprobe/harness';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type * as RegistryModule from '../agent/dist/main/prepared-registry.js';
import type * as TransformModule from '../agent/dist/prepare/transform.js';
import type * as BuildModule from '../agent/dist/prepare/build-output.js';
import type * as DataModule from '../agent/dist/prepare/build-data.js';
import type * as CacheModule from '../agent/dist/prepare/prepare-cache.js';
import type * as PrepareFileModule from '../agent/dist/prepare/prepare-file.js';
import type * as TablesModule from '../agent/dist/worker/prepared/position-tables.js';
import type * as TwinPlacesModule from '../agent/dist/worker/prepared/twin-places.js';
import type * as PackedTableModule from '../agent/dist/prepare/packed-table.js';
import type * as AnalysisModule from '../agent/dist/locate/source-analysis.js';
import type * as MessagesModule from '../agent/dist/prepare/prepared-messages.js';
import type * as BundledModule from '../agent/dist/main/bundled-prebuilt.js';
import type { PreparedOutput } from '../agent/dist/prepare/prepared-output.js';
import { agentModule } from './lib/agent-module.js';
import { baselineRegister } from './lib/baseline-agent.js';
import type { Benchmark, Report } from './lib/benchmark.js';
import { mib, ms, ratio } from './lib/format.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const BASELINE = process.env.LIVEPROBE_BENCH_BASELINE;

const CORPORA = [
  { label: 'acorn 8 (dist/acorn.js)', path: 'node_modules/acorn/dist/acorn.js' },
  { label: 'typescript 5 (lib/typescript.js)', path: 'node_modules/typescript/lib/typescript.js' },
];

type Registry = typeof RegistryModule.PreparedRegistry;

interface Build {
  name: string;
  Registry: Registry;
  /** The build's check that a file prepared at build time is its own script (main/bundled-prebuilt.ts), as the agent passes it. */
  runsOutsideItsFile: (script: string) => boolean;
  /** The build's own `liveprobe prepare` output for a file, and the data it holds. */
  prepareForBuild: typeof BuildModule.prepareForBuild;
}

/** A corpus prepared at build time by one build: its text, and the data's literal and arguments its header passes. */
interface BuiltBy {
  code: string;
  literal: string;
  data: DataModule.BuildData;
}

/** How the file binds: prepared as it loads (CommonJS), or at build time, a CommonJS file or an ES module's flags module. */
type Way = 'as it loads' | 'at build time, CommonJS' | 'at build time, ES module';
const WAYS: Way[] = ['as it loads', 'at build time, CommonJS', 'at build time, ES module'];

/** Where the file is: the input, or its prepared text written out (the agent reads the head of a build-prepared file). */
interface Places {
  input: string;
  builtCommonJs: string;
  builtModuleFlags: string;
}

const TARGET = {
  hit() {},
  count: () => undefined,
  readsPass: () => undefined,
  exceptionFlag: new Uint8Array(1),
  thrown() {},
  exceptionsAlwaysOn() {},
  onRearm() {},
};

/** A build's registry on its own channel, as the agent makes it, with nothing else bound. */
function registryOf(build: Build, port: MessagePort) {
  return new build.Registry(
    TARGET,
    port,
    new Int32Array(new SharedArrayBuffer(4)),
    false,
    () => {},
    () => {},
    build.runsOutsideItsFile,
  );
}

/** Milliseconds of the main thread for one registry call, made as the file's header makes it. */
function bindOnce(build: Build, way: Way, places: Places, output: PreparedOutput, table: Int32Array | undefined, built: BuiltBy): number {
  const { port1, port2 } = new MessageChannel();
  const registry = registryOf(build, port1);
  let took: number;
  if (way === 'as it loads') {
    // With the table its preparing thread packed (a build before that takes no third argument).
    registry.expect(places.input, output, table);
    const started = performance.now();
    registry.file(places.input);
    took = performance.now() - started;
  } else {
    const name = way === 'at build time, CommonJS' ? places.builtCommonJs : places.builtModuleFlags;
    const d = built.data;
    const started = performance.now();
    // As the header calls it (build-output.ts); a build before build17 passes 8 and takes its table from d[2], one before tail18 passes 9, its sites and site names in d[0] and d[4].
    (registry.file as (...args: unknown[]) => unknown)(name, d[0], d[1], d[2], d[3], 1, d[4], 1, d[5], d[6], d[7]);
    took = performance.now() - started;
  }
  // The worker's side, untimed: what was posted is read and dropped.
  while (receiveMessageOnPort(port2) !== undefined);
  port1.close();
  port2.close();
  return took;
}

/** Each build's `time`, `rounds` times after one untimed call each (the first pays for compiling), interleaved in alternating order: each build's median (min–max), and with a baseline the median of per-round ratios. */
function interleaved(builds: Build[], rounds: number, time: (build: Build) => number): string[] {
  const times = new Map<string, number[]>(builds.map((b) => [b.name, []]));
  const ratios: number[] = [];
  for (const build of builds) time(build);
  for (let round = 0; round < rounds; round++) {
    const took = new Map<string, number>();
    for (const build of round % 2 === 0 ? builds : [...builds].reverse()) took.set(build.name, time(build));
    for (const [name, value] of took) times.get(name)!.push(value);
    if (BASELINE !== undefined) ratios.push(took.get('this build')! / took.get('baseline')!);
  }
  return [...builds.map((b) => stats(times.get(b.name)!)), ...(BASELINE === undefined ? [] : [ratio(median(ratios))])];
}

/** `source` prepared at build time as a CommonJS file by `build`'s own code, and the data literal its `$lpD` returns. */
function builtWith(build: Build, source: string): BuiltBy {
  const { code } = build.prepareForBuild({ source, kind: 'commonjs', name: 'x.js' });
  const opening = 'function $lpD() { return ';
  const start = code.lastIndexOf(opening) + opening.length;
  const literal = code.slice(start, code.indexOf('; }\n', start));
  return { code, literal, data: JSON.parse(literal) as DataModule.BuildData };
}

/** Milliseconds to compile and run a function returning `literal`, as the header's first call of `$lpD` does. */
function evaluateOnce(literal: string): number {
  const started = performance.now();
  // A new text each time, so V8's compilation cache does not hand back the last one's code.
  new Function(`return ${literal} // ${started}`)();
  return performance.now() - started;
}

const bytes = (text: string): string => `${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB`;

const stats = (values: number[]): string => `${ms(median(values))} (${ms(min(values))}–${ms(max(values))})`;

const benchmark: Benchmark = {
  name: 'prepared-bind',
  title: "Binding a prepared file: the app's main thread per file, and what the worker finds later",
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 9;
    const { prepareSource } = await agentModule<typeof TransformModule>('prepare/transform.js');
    const builds: Build[] = [await buildAt('this build', fromRoot('agent/dist'))];
    if (BASELINE !== undefined) builds.push(await buildAt('baseline', resolve(BASELINE)));
    const rows: string[][] = [];
    const later: string[][] = [];
    const waits: string[][] = [];
    const packings: string[][] = [];
    const kept: string[][] = [];
    const literals: string[][] = [];
    const sizes: string[][] = [];
    const dir = mkdtempSync(join(tmpdir(), 'liveprobe-bench-bind-'));
    try {
      for (const corpus of CORPORA) {
        const input = fromRoot(corpus.path);
        const source = readFileSync(input, 'utf8');
        ctx.progress(`prepared-bind: preparing ${corpus.label}`);
        const output = prepareSource(source, { kind: 'commonjs', header: 'const $lp = 0;' });
        const packing = await packingCost(output, source, rounds);
        const table = packing.table;
        ctx.progress(`prepared-bind: preparing ${corpus.label} at build time, each build`);
        const builtBy = new Map(builds.map((b) => [b.name, builtWith(b, source)]));
        const built = builtBy.get('this build')!;
        const places: Places = {
          input,
          builtCommonJs: join(dir, 'x.js'),
          builtModuleFlags: `${pathToFileURL(join(dir, 'x.mjs')).href}.lp-flags.mjs`,
        };
        writeFileSync(places.builtCommonJs, built.code);
        writeFileSync(join(dir, 'x.mjs'), built.code);
        for (const [b, build] of builds.entries()) {
          // Each build's own file, for what the process keeps.
          mkdirSync(join(dir, `built-${b}`), { recursive: true });
          writeFileSync(join(dir, `built-${b}`, 'x.js'), builtBy.get(build.name)!.code);
        }
        for (const way of WAYS)
          rows.push([
            corpus.label,
            way,
            ...interleaved(builds, rounds, (build) => bindOnce(build, way, places, output, table, builtBy.get(build.name)!)),
          ]);
        // The header's `$lpD()`: its literal compiled and run, as V8 does at its first call.
        literals.push([corpus.label, ...interleaved(builds, rounds, (build) => evaluateOnce(builtBy.get(build.name)!.literal))]);
        sizes.push([corpus.label, ...builds.flatMap((b) => [bytes(builtBy.get(b.name)!.code), bytes(builtBy.get(b.name)!.literal)])]);
        waits.push(await firstTwinBreakpoint(corpus.label, input, source, builds, rounds));
        packings.push([corpus.label, mib(table?.byteLength ?? 0), stats(packing.times), ms(packing.transform)]);
        later.push(await workerCost(corpus.label, input, source, built.code));
      }
      ctx.progress('prepared-bind: what the process keeps');
      kept.push(...keptByProcess(CORPORA[1]!, builds, dir, Math.min(rounds, 3)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const headers = [
      'file',
      'prepared',
      ...builds.map((b) => `${b.name}, main thread per file`),
      ...(BASELINE === undefined ? [] : ['× baseline']),
    ];
    return {
      blocks: [
        `Binding a prepared file, in this process: the registry call a prepared file's header makes as it loads, timed on the main thread, ${rounds} rounds after one untimed call, the builds interleaved (order alternating), median (min–max)` +
          (BASELINE === undefined
            ? ". Set LIVEPROBE_BENCH_BASELINE to another build's agent/dist to time its registry beside this one."
            : `; "× baseline" is the median of per-round ratios against ${BASELINE}.`) +
          ' A file prepared at build time passes the data its own build wrote (from build17 its table packed as text, decoded into shared memory by the call; before, the table as an object, packed by the call).',
        renderTable(headers, rows, [
          'left',
          'left',
          ...builds.map(() => 'right' as const),
          ...(BASELINE === undefined ? [] : ['right' as const]),
        ]),
        `Before that call, a build-prepared CommonJS file's header evaluates its data's literal (\`$lpD()\`, compiled at its first call): here compiled and run by \`new Function\`, each build's own literal, ${rounds} rounds after one untimed call, median (min–max):`,
        renderTable(['file', ...builds.map((b) => `${b.name}, the literal`), ...(BASELINE === undefined ? [] : ['× baseline'])], literals, [
          'left',
          ...builds.map(() => 'right' as const),
          ...(BASELINE === undefined ? [] : ['right' as const]),
        ]),
        'The file each build writes (`prepareForBuild`, CommonJS) and the data literal in it, in bytes (MB = 10^6):',
        renderTable(['file', ...builds.flatMap((b) => [`${b.name}, file`, `${b.name}, data`])], sizes, [
          'left',
          ...builds.flatMap(() => ['right' as const, 'right' as const]),
        ]),
        `What this build adds where a file is prepared as it loads (the app's thread for CommonJS, the loader hooks' thread for an ES module), after the transform: packing the file's position table into shared memory (prepare/packed-table.ts; the prepare cache stores it packed; a file prepared at build time carries it packed, decoded by the registry call above), ${rounds} rounds, median (min–max), the first call cold; beside it, that transform's own time in this process (one call, JIT warm from preparing it once before):`,
        renderTable(['file', 'table in shared memory', 'packing it', 'the transform'], packings, ['left', 'right', 'right', 'right']),
        `The first breakpoint in a twinned function, on the worker, the file prepared as it loads with the prepare cache off: the wait for the twin's place (finding the file's position table, then reading it backwards from a position in a twinned function's original body), ${rounds} rounds, median (min–max). This build takes the table its binding shared` +
          (BASELINE === undefined
            ? '.'
            : '; the baseline finds it as that build does (for the builds before this change: the file prepared again from its input).'),
        renderTable(['file', ...builds.map((b) => `${b.name}, wait`), ...(BASELINE === undefined ? [] : ['× baseline'])], waits, [
          'left',
          ...builds.map(() => 'right' as const),
          ...(BASELINE === undefined ? [] : ['right' as const]),
        ]),
        "This build's fallback, for a file whose table's shared memory could not be had, once per file when a breakpoint first lands in a file with twinned functions: finding the table (one call each, cold):",
        renderTable(
          ['file', 'at build time (its own text)', 'as it loads, from the prepare cache', 'as it loads, no cache (prepared again)'],
          later,
          ['left', 'right', 'right', 'right'],
        ),
        `What the app's process keeps once ${CORPORA[1]!.label} loaded through the agent (bench/fixtures/table-memory.cjs: required, then two full GCs), each build in its own process, the builds interleaved, median of ${Math.min(rounds, 3)}: V8's heap in use, RSS, and array buffers (where the shared position table is), and the require's own time` +
          (BASELINE === undefined ? '.' : `; the baseline is ${BASELINE}.`),
        renderTable(['prepared', 'build', 'heap used', 'RSS', 'array buffers', 'require'], kept, [
          'left',
          'left',
          'right',
          'right',
          'right',
          'right',
        ]),
      ],
    };
  },
};

interface Kept {
  loadMs: number;
  heapUsed: number;
  rss: number;
  arrayBuffers: number;
}

/**
 * The memory a process keeps with the corpus loaded through each build's agent: prepared as it
 * loads (prepare cache off, then from a cache it filled), and prepared at build time.
 */
function keptByProcess(corpus: (typeof CORPORA)[number], builds: Build[], dir: string, rounds: number): string[][] {
  const source = fromRoot(corpus.path);
  const registers = [{ name: 'this build', register: baselineRegister(fromRoot('agent/dist')) }];
  if (BASELINE !== undefined) registers.push({ name: 'baseline', register: baselineRegister(BASELINE) });
  // Each build's agent runs the file its own `liveprobe prepare` wrote.
  const built = new Map(builds.map((b, i) => [b.name, join(dir, `built-${i}`, 'x.js')]));
  const ways: { label: string; target: (name: string) => string; env: Record<string, string>; cached?: true }[] = [
    { label: 'as it loads, cache off', target: () => source, env: { LIVEPROBE_PREPARE: source, LIVEPROBE_PREPARE_CACHE: 'off' } },
    { label: 'as it loads, from the cache', target: () => source, env: { LIVEPROBE_PREPARE: source }, cached: true },
    { label: 'at build time', target: (name) => built.get(name)!, env: {} },
  ];
  const rows: string[][] = [];
  for (const way of ways) {
    const runs = new Map<string, Kept[]>(registers.map((r) => [r.name, []]));
    const caches = new Map(registers.map((r) => [r.name, mkdtempSync(join(dir, 'cache-'))]));
    const once = (name: string, register: string): Kept => {
      const env = {
        ...process.env,
        ...way.env,
        ...(way.cached === true ? { LIVEPROBE_PREPARE_CACHE: caches.get(name)! } : {}),
        LIVEPROBE_BROKER_URL: 'mqtt://127.0.0.1:1',
        LIVEPROBE_LOG_LEVEL: 'silent',
        TABLE_MEMORY_TARGET: way.target(name),
      };
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', register, fromRoot('bench/fixtures/table-memory.cjs')], {
        env,
        encoding: 'utf8',
      });
      return JSON.parse(out.trim().split('\n').pop()!) as Kept;
    };
    // Untimed: fills each build's cache (each build's own transform).
    if (way.cached === true) for (const { name, register } of registers) once(name, register);
    for (let round = 0; round < rounds; round++)
      for (const { name, register } of round % 2 === 0 ? registers : [...registers].reverse()) runs.get(name)!.push(once(name, register));
    for (const { name } of registers) {
      const of = (field: keyof Kept): number => median(runs.get(name)!.map((k) => k[field]));
      rows.push([way.label, name, mib(of('heapUsed')), mib(of('rss')), mib(of('arrayBuffers')), ms(of('loadMs'))]);
    }
  }
  return rows;
}

/** A build's registry and bundle check, from its agent/dist. */
async function buildAt(name: string, dist: string): Promise<Build> {
  const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(dist, path)).href)) as T;
  const { PreparedRegistry } = await load<typeof RegistryModule>('main/prepared-registry.js');
  const { runsOutsideItsFile } = await load<typeof BundledModule>('main/bundled-prebuilt.js');
  const { prepareForBuild } = await load<typeof BuildModule>('prepare/build-output.js');
  return { name, Registry: PreparedRegistry, runsOutsideItsFile, prepareForBuild };
}

/**
 * The first twinned breakpoint's wait in each build, cache off: the table as the build's worker
 * has it (the announcement's, or found), then the twin's place of a twinned function's first site.
 */
async function firstTwinBreakpoint(label: string, path: string, source: string, builds: Build[], rounds: number): Promise<string[]> {
  const { prepareFile } = await agentModule<typeof PrepareFileModule>('prepare/prepare-file.js');
  const { commonJsHeader } = await agentModule<typeof MessagesModule>('prepare/prepared-messages.js');
  const { analyseSource } = await agentModule<typeof AnalysisModule>('locate/source-analysis.js');
  const loaded = prepareFile(source, 'commonjs', commonJsHeader(), undefined);
  if (loaded.kind === 'failed') throw new Error(`prepared-bind: ${label} did not prepare: ${loaded.reason}`);
  const { output } = loaded;
  const analysed = analyseSource(output.code);
  if (analysed === undefined) throw new Error(`prepared-bind: ${label}'s prepared text does not parse`);
  // A twinned function's first site: the original body keeps the input's positions.
  const twinned = output.sites.findIndex((_, i) => i % 3 === 2 && output.sites[i]! >= 0);
  if (twinned === -1) throw new Error(`prepared-bind: ${label} has no twinned function`);
  const at = { line: output.sites[twinned - 2]!, column: output.sites[twinned - 1]! };
  const file = { script: path, written: path, prebuilt: false };
  const waits = await Promise.all(
    builds.map(async (build) => {
      const dist = build.name === 'this build' ? fromRoot('agent/dist') : resolve(BASELINE!);
      const load = async <T>(module: string): Promise<T> => (await import(pathToFileURL(join(dist, module)).href)) as T;
      const { twinPlaces } = await load<typeof TwinPlacesModule>('worker/prepared/twin-places.js');
      const { positionTableOf } = await load<typeof TablesModule>('worker/prepared/position-tables.js');
      // This build's announcement carries the table (the registry's own packing, as the file bound).
      const announced = build.name === 'this build' ? announcedTable(build, path, output, loaded.table) : undefined;
      return async (): Promise<number> => {
        const started = performance.now();
        const table = announced ?? (await positionTableOf(file, output.code, undefined));
        if (table === undefined) throw new Error(`prepared-bind: ${build.name} found no position table for ${label}`);
        const places = twinPlaces(table as never, analysed, at);
        const took = performance.now() - started;
        if (places.length === 0) throw new Error(`prepared-bind: ${build.name} found no twin place in ${label}`);
        return took;
      };
    }),
  );
  const times = builds.map(() => [] as number[]);
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const took: number[] = [];
    for (const b of round % 2 === 0 ? builds.keys() : [...builds.keys()].reverse()) took[b] = await waits[b]!();
    took.forEach((value, b) => times[b]!.push(value));
    if (BASELINE !== undefined) ratios.push(took[0]! / took[1]!);
  }
  return [label, ...times.map(stats), ...(BASELINE === undefined ? [] : [ratio(median(ratios))])];
}

/** Packing `output`'s table as prepare-file.ts does after the transform, timed; and the transform's time, for scale. */
async function packingCost(
  output: PreparedOutput,
  source: string,
  rounds: number,
): Promise<{ table: Int32Array | undefined; times: number[]; transform: number }> {
  const { packTable } = await agentModule<typeof PackedTableModule>('prepare/packed-table.js');
  const { prepareSource } = await agentModule<typeof TransformModule>('prepare/transform.js');
  const times: number[] = [];
  let table: Int32Array | undefined;
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    table = packTable(output.map);
    times.push(performance.now() - started);
  }
  const started = performance.now();
  prepareSource(source, { kind: 'commonjs', header: 'const $lp = 0;' });
  return { table, times, transform: performance.now() - started };
}

/** The position table a build's registry announces for the file prepared as it loads, if any. */
function announcedTable(build: Build, path: string, output: PreparedOutput, table: Int32Array | undefined): Int32Array | undefined {
  const { port1, port2 } = new MessageChannel();
  const registry = registryOf(build, port1);
  registry.expect(path, output, table);
  registry.file(path);
  let announced: Int32Array | undefined;
  for (let m = receiveMessageOnPort(port2); m !== undefined; m = receiveMessageOnPort(port2)) {
    const message = m.message as { t: string; table?: Int32Array };
    if (message.t === 'file') announced = message.table;
  }
  port1.close();
  port2.close();
  return announced;
}

/** The worker's one-off cost of a file's position table: from a build-prepared file's text, from the cache, prepared again. */
async function workerCost(label: string, path: string, source: string, builtCode: string): Promise<string[]> {
  const { positionTableOf } = await agentModule<typeof TablesModule>('worker/prepared/position-tables.js');
  const { PrepareCache } = await agentModule<typeof CacheModule>('prepare/prepare-cache.js');
  const { prepareFile } = await agentModule<typeof PrepareFileModule>('prepare/prepare-file.js');
  const { commonJsHeader } = await agentModule<typeof MessagesModule>('prepare/prepared-messages.js');
  const timed = async (fn: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    const table = await fn();
    if (table === undefined) throw new Error(`prepared-bind: no position table found for ${label}`);
    return performance.now() - started;
  };
  const prebuilt = await timed(() => positionTableOf({ script: path, written: path, prebuilt: true }, builtCode, undefined));
  const dir = mkdtempSync(join(tmpdir(), 'liveprobe-bench-bind-'));
  try {
    const cache = { dir, version: 'bench' };
    // The loader's own output, as the app's thread cached it.
    const loaded = prepareFile(source, 'commonjs', commonJsHeader(), new PrepareCache(dir, 'bench'));
    if (loaded.kind === 'failed') throw new Error(`prepared-bind: ${label} did not prepare: ${loaded.reason}`);
    const cached = await timed(() => positionTableOf({ script: path, written: path, prebuilt: false }, loaded.output.code, cache));
    const again = await timed(() => positionTableOf({ script: path, written: path, prebuilt: false }, loaded.output.code, undefined));
    return [label, ms(prebuilt), ms(cached), ms(again)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default benchmark;
