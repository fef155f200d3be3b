/**
 * What the worker keeps for snapshot stacks that pass through many scripts it reads from disk
 * (worker/scripts-on-disk.ts: the inspector session is closed while actions sit on prepared
 * sites, and a frame in a script that is not prepared is mapped and named through the map on
 * disk). 2,000 minified scripts, each with its own source map, each reached by one frame, asked
 * as a snapshot's stack asks (its name and its position at once), in a child process per build
 * so each heap is its own. Heap used after a full GC, over the child's heap before the first
 * frame: right after the 2,000 frames, and 6 s later, past the forgetting of the worker's
 * analysis cache (analysis-cache.ts), where builds before the bound kept these scripts'
 * analyses: what the worker keeps for as long as it lives. Then a few large bundles (copies of
 * typescript.js minified by esbuild, whose map decodes to ~60 MB), 50 frames mapped in each: what
 * the maps kept weigh where the count alone does not bound them. LIVEPROBE_BENCH_BASELINE=<another
 * build's agent/dist> runs that build's module beside this one's, the order alternating each round.
 * Last, the scripts the inspector session has loaded (worker/location-resolver.ts): an app of 400
 * modules compiled by tsc, each with its map, where the first action's resolve looks through every
 * script's map for the source it names, then a stack frame in each script is mapped.
 */
import { fromRoot } from '@liveprobe/harness';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { transform } from 'esbuild';
import ts from 'typescript';
import type { Benchmark, Report } from './lib/benchmark.js';
import { mib, ms, ratio } from './lib/format.js';
import { max, median, min } from './lib/stats.js';
import { renderTable } from './lib/table.js';

const BASELINE = process.env.LIVEPROBE_BENCH_BASELINE;
const SCRIPTS = 2000;
/** Functions per script: a map of a few tens of KB, like a small minified dependency's. */
const FUNCTIONS = 40;
/** Past the worker's analysis-cache forgetting (5 s). */
const SETTLE_MS = 6000;
/** Large bundles, and frames in each. */
const BUNDLES = 8;
const BUNDLE_FRAMES = 50;
/** Modules of the tsc-compiled app the inspector session has loaded. */
const MODULES = 400;

/** The child: frames through one build's ScriptsOnDisk, then its heap, as JSON on stdout. */
const CHILD = `
import { pathToFileURL } from 'node:url';
const [dist, list] = process.argv.slice(2);
const load = (path) => import(pathToFileURL(dist + '/' + path).href);
const { ScriptsOnDisk } = await load('worker/scripts-on-disk.js');
// A frame asks for its function name too, unless named is false (the large bundles: their analyses are another matter).
const { AnalysisCache } = await load('worker/analysis-cache.js');
const scripts = JSON.parse(await (await import('node:fs/promises')).readFile(list, 'utf8'));
const heap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
// Held as the worker holds it, for as long as it lives (a local unused later would be collected).
// A build whose ScriptsOnDisk kept its analyses in the worker's analysis cache takes that cache (one required parameter).
const onDisk = (globalThis.onDisk = ScriptsOnDisk.length === 1 ? new ScriptsOnDisk(new AnalysisCache()) : new ScriptsOnDisk());
const before = heap();
const started = performance.now();
let named = 0;
for (const { path, column, named: asks = true } of scripts) {
  const [name, position] = await Promise.all([asks ? onDisk.renamedFunctionAt(path, 1, column) : '', onDisk.original(path, 1, column)]);
  if (name !== undefined && position !== undefined) named++;
}
const took = performance.now() - started;
const burst = heap() - before;
await new Promise((r) => setTimeout(r, ${SETTLE_MS}));
const kept = heap() - before;
process.stdout.write(JSON.stringify({ named, took, burst, kept }));
`;

/** The child for loaded scripts: one build's LocationResolver over the app's scripts, as the probe engine's. */
const LOADED_CHILD = `
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
const [dist, list] = process.argv.slice(2);
const { LocationResolver } = await import(pathToFileURL(dist + '/worker/location-resolver.js').href);
const { scripts, file, line } = JSON.parse(await readFile(list, 'utf8'));
const byPath = new Map(scripts.map((s) => [s.path, s]));
// The inspector session as the resolver reads it: the loaded scripts, and one by its path.
const session = { all: () => scripts.values(), script: (path) => byPath.get(path) };
const heap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
const resolver = (globalThis.resolver = new LocationResolver(session));
const before = heap();
const started = performance.now();
await resolver.resolve(file, line);
const burst = heap() - before;
let named = 0;
for (const s of scripts) if ((await resolver.original(s.path, s.frameLine, s.column)) !== undefined) named++;
const took = performance.now() - started;
const kept = heap() - before;
process.stdout.write(JSON.stringify({ named, took, burst, kept }));
`;

/** A module of the tsc-compiled app: an interface, functions with a loop each, a class. */
function appModule(n: number): string {
  const fns = Array.from(
    { length: 12 },
    (_, i) =>
      `export function total${n}_${i}(order: Order${n}, factor: number): number {\n  const base = order.items.length * factor + ${i};\n  let sum = 0;\n  for (const item of order.items) {\n    if (item.startsWith('x')) sum += item.length * base;\n    else sum -= ${i};\n  }\n  return \`order \${order.id}: \${sum}\`.length + order.total * sum;\n}`,
  );
  const methods = Array.from(
    { length: 6 },
    (_, i) => `  async handle${i}(order: Order${n}): Promise<number> {\n    return (await Promise.resolve(order.total + ${i})) * 2;\n  }`,
  );
  return `export interface Order${n} {\n  id: number;\n  items: string[];\n  total: number;\n}\n${fns.join('\n')}\nexport class Service${n} {\n${methods.join('\n')}\n}\n`;
}

/** The app compiled module by module as tsc compiles it (CommonJS, a .js.map beside each .js): the scripts as the session lists them. */
async function compiledApp(dir: string): Promise<{ scripts: object[]; mapBytes: number }> {
  const scripts: object[] = [];
  let mapBytes = 0;
  for (let n = 0; n < MODULES; n++) {
    const out = ts.transpileModule(appModule(n), {
      fileName: `m${n}.ts`,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, sourceMap: true },
    });
    const path = join(dir, `m${n}.js`);
    await writeFile(path, out.outputText);
    await writeFile(`${path}.map`, out.sourceMapText!);
    mapBytes += out.sourceMapText!.length;
    // A frame in the first function's body.
    const frameLine = out.outputText.split('\n').findIndex((l) => l.includes('const base')) + 1;
    scripts.push({
      scriptId: String(n + 1),
      url: pathToFileURL(path).href,
      path,
      endLine: out.outputText.split('\n').length - 1,
      sourceMapURL: `m${n}.js.map`,
      frameLine,
      column: 4,
    });
  }
  return { scripts, mapBytes };
}

interface Result {
  named: number;
  took: number;
  burst: number;
  kept: number;
}

/** A module of FUNCTIONS functions the minifier renames, `n` keeping each script's text its own. */
function source(n: number): string {
  const fns = Array.from({ length: FUNCTIONS }, (_, i) => `function price${n}_${i}(order) {\n  return order.total * ${i + 2} + ${n};\n}`);
  return `${fns.join('\n')}\nexport const all = [${Array.from({ length: FUNCTIONS }, (_, i) => `price${n}_${i}`).join(', ')}];\n`;
}

/** typescript.js minified, its map without the sources, copied BUNDLES times: the frames to ask for in them. */
async function largeBundles(dir: string): Promise<{ frames: { path: string; column: number; named: false }[]; mapBytes: number }> {
  const out = await transform(await readFile(fromRoot('node_modules/typescript/lib/typescript.js'), 'utf8'), {
    minify: true,
    sourcemap: 'external',
    sourcesContent: false,
    sourcefile: 'typescript.js',
  });
  const frames: { path: string; column: number; named: false }[] = [];
  for (let n = 0; n < BUNDLES; n++) {
    const path = join(dir, `bundle${n}.min.js`);
    await writeFile(path, `${out.code}//# sourceMappingURL=bundle${n}.min.js.map\n`);
    await writeFile(`${path}.map`, out.map);
    for (let f = 0; f < BUNDLE_FRAMES; f++)
      frames.push({ path, column: Math.floor(((f + 0.5) * out.code.length) / BUNDLE_FRAMES), named: false });
  }
  return { frames, mapBytes: out.map.length };
}

const stats = (values: number[], show: (v: number) => string): string =>
  `${show(median(values))} (${show(min(values))}–${show(max(values))})`;

const benchmark: Benchmark = {
  name: 'worker-maps',
  title: 'Snapshot stacks through 2,000 mapped scripts on disk: what the worker keeps',
  async run(ctx): Promise<Report> {
    const rounds = ctx.options.rounds ?? 3;
    const builds = [{ name: 'this build', dist: fromRoot('agent/dist') }];
    if (BASELINE !== undefined) builds.push({ name: 'baseline', dist: resolve(BASELINE) });
    const dir = await mkdtemp(join(tmpdir(), 'liveprobe-bench-maps-'));
    try {
      ctx.progress(`worker-maps: minifying ${SCRIPTS} scripts`);
      const scripts: { path: string; column: number }[] = [];
      let mapBytes = 0;
      for (let n = 0; n < SCRIPTS; n++) {
        const out = await transform(source(n), { minify: true, format: 'esm', sourcemap: 'external', sourcefile: `price${n}.js` });
        const path = join(dir, `price${n}.min.js`);
        await writeFile(path, `${out.code}//# sourceMappingURL=price${n}.min.js.map\n`);
        await writeFile(`${path}.map`, out.map);
        mapBytes += out.map.length;
        // A frame in the middle of the script.
        const at = out.code.indexOf('.total', out.code.length >> 1);
        scripts.push({ path, column: at });
      }
      const child = join(dir, 'child.mjs');
      await writeFile(child, CHILD);
      const loadedChild = join(dir, 'loaded-child.mjs');
      await writeFile(loadedChild, LOADED_CHILD);
      /** Each build's results over the rounds, for the frames in `list`; `expected` of them must be mapped. */
      const measure = async (part: string, frames: object, expected: number, script = child): Promise<Map<string, Result[]>> => {
        const list = join(dir, `${part}.json`);
        await writeFile(list, JSON.stringify(frames));
        const results = new Map<string, Result[]>(builds.map((b) => [b.name, []]));
        for (let round = 0; round < rounds; round++) {
          for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
            ctx.progress(`worker-maps: ${part}, round ${round + 1}/${rounds}, ${build.name}`);
            const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', script, build.dist, list], {
              maxBuffer: 1 << 20,
            });
            const result = JSON.parse(stdout) as Result;
            if (result.named !== expected)
              throw new Error(`worker-maps: ${build.name} mapped ${result.named} of ${expected} frames (${part})`);
            results.get(build.name)!.push(result);
          }
        }
        return results;
      };
      const table = (
        results: Map<string, Result[]>,
        frames: number,
        columns = ['heap right after the frames', 'heap 6 s later (kept)'],
      ): string => {
        const rows = builds.map((b) => {
          const of = results.get(b.name)!;
          return [
            b.name,
            stats(
              of.map((r) => r.burst),
              mib,
            ),
            stats(
              of.map((r) => r.kept),
              mib,
            ),
            stats(
              of.map((r) => r.took),
              ms,
            ),
          ];
        });
        if (BASELINE !== undefined) {
          const kept = (name: string) => median(results.get(name)!.map((r) => r.kept));
          rows.push(['this build ÷ baseline', '', ratio(kept('this build') / kept('baseline')), '']);
        }
        return renderTable(['build', ...columns, `time for ${frames} frames`], rows, ['left', 'right', 'right', 'right']);
      };
      const small = await measure('small scripts', scripts, SCRIPTS);
      ctx.progress('worker-maps: minifying typescript.js');
      const large = await largeBundles(dir);
      const bundleFrames = BUNDLES * BUNDLE_FRAMES;
      const inBundles = await measure('large bundles', large.frames, bundleFrames);
      ctx.progress(`worker-maps: compiling ${MODULES} modules with tsc`);
      const app = await compiledApp(dir);
      const loaded = await measure('loaded scripts', { scripts: app.scripts, file: `m${MODULES / 2}.ts`, line: 8 }, MODULES, loadedChild);
      const how = `heap used after a full GC over the child's heap before the first frame, ${rounds} rounds, median (min–max)`;
      return {
        blocks: [
          `${SCRIPTS} minified scripts (${FUNCTIONS} functions each, ${mib(mapBytes)} of source maps in all), one snapshot frame in each, named and mapped through the scripts on disk; ${how}` +
            (BASELINE === undefined
              ? ". Set LIVEPROBE_BENCH_BASELINE to another build's agent/dist to run its module beside this one."
              : `; baseline: ${BASELINE}.`),
          table(small, SCRIPTS),
          `${BUNDLES} large bundles (typescript.js minified by esbuild, a ${mib(large.mapBytes)} map each, without the sources), ${BUNDLE_FRAMES} frames in each mapped through the scripts on disk (not named); ${how}.`,
          table(inBundles, bundleFrames),
          `An app of ${MODULES} modules compiled by tsc (${mib(app.mapBytes)} of source maps in all), loaded: an action's resolve looks through every script's map for the source it names, then one frame in each script is mapped as a snapshot's stack maps it (location-resolver.ts); ${how.replace('the first frame', 'the resolve')}.`,
          table(loaded, MODULES, ['heap after the resolve', `heap after the ${MODULES} frames (kept)`]),
        ],
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};

export default benchmark;
