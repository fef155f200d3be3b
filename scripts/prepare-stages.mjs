// Where `liveprobe prepare`'s cold cost goes (docs/BENCHMARKS.md, "Cold prepare speed"): runs the
// build step over a corpus up to one stage, in a fresh process, and prints that run's CPU time
// per pass. Each stage includes the ones before it, so the difference between two stages' counts
// is the later one's cost:
//
//   none     read the files and load the modules
//   lazy     oxc's native parse alone (raw transfer's lazy mode: nothing deserialised)
//   parse    the parser the run names: the AST as JavaScript objects
//   scope    + the transform's scope pass (agent/src/locate/scope-pass.ts)
//   rewrite  prepareSource: parse, scope pass, then the walk, its sites and the text (transform.ts)
//   build    prepareForBuild: + the composed source map and the build data (build-output.ts)
//   write    + writing the prepared file and its companions (into a temporary folder)
//
// Parsers: `raw` (oxc-parser's raw transfer, Node 22+, what `liveprobe prepare` uses there),
// `json` (oxc-parser's AST as JSON, Node 20's choice for a small tree), `acorn` (the agent's).
// `passes` > 1 repeats the stage over the corpus in the same process: the first pass is the cold
// one, the later ones run warm, so the first minus the second is the JIT warm-up.
//
// Instructions, which the machine's load does not change (`--predictable` puts V8's compilers
// and collector on the main thread, so every run counts them alike):
//
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
//     <node> --predictable scripts/prepare-stages.mjs <stage> <parser> <passes> <corpus>
//   grep -E '^(totals|summary):' /tmp/cg.out
//
// Corpus: `typescript` (lib/typescript.js), `small` (the 58 files of bench/prepare-speed.bench.ts),
// or a file listing paths, one a line. Run from a built checkout.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const STAGES = ['none', 'lazy', 'parse', 'scope', 'rewrite', 'build', 'write'];
const [stage, parserName = 'raw', passesArg = '1', corpus = 'small'] = process.argv.slice(2);
if (!STAGES.includes(stage ?? '') || !['raw', 'json', 'acorn'].includes(parserName)) {
  console.error(`usage: node scripts/prepare-stages.mjs <${STAGES.join('|')}> <raw|json|acorn> [passes] [typescript|small|<list file>]`);
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..');
const fromDist = async (path) => import(pathToFileURL(join(root, path)).href);
const { CORPORA, jsFiles } = await fromDist('bench/dist/lib/prepare-corpora.js');
const files =
  corpus === 'typescript'
    ? [join(root, 'node_modules/typescript/lib/typescript.js')]
    : corpus === 'small'
      ? CORPORA[1].paths.flatMap((p) => jsFiles(join(root, p)))
      : readFileSync(corpus, 'utf8').split('\n').filter(Boolean);
const sources = files.map((f) => readFileSync(f, 'utf8'));
const kindOf = (file) => (file.endsWith('.mjs') ? 'module' : 'commonjs');

const { prepareSource, parseWithAcorn: acorn } = await fromDist('agent/dist/prepare/transform.js');
const { prepareForBuild } = await fromDist('agent/dist/prepare/build-output.js');
const { analyseScopes } = await fromDist('agent/dist/locate/scope-pass.js');
const oxc = parserName === 'acorn' && stage !== 'lazy' ? undefined : await import('oxc-parser');

// As cli/src/prepare/oxc-parse.ts asks for it.
const viaOxc = (raw) => (source, kind) => {
  const result = oxc.parseSync(kind === 'module' ? 'input.mjs' : 'input.cjs', source, {
    sourceType: kind,
    preserveParens: false,
    range: false,
    ...(raw ? { experimentalRawTransfer: true } : {}),
  });
  if (result.errors.length > 0) throw new SyntaxError(result.errors[0].message);
  return { program: result.program, comments: result.comments };
};
const parse = parserName === 'acorn' ? acorn : viaOxc(parserName === 'raw');

const out = mkdtempSync(join(tmpdir(), 'prepare-stages-'));
const run = (source, file) => {
  const kind = kindOf(file);
  switch (stage) {
    case 'none':
      return undefined;
    case 'lazy': {
      const result = oxc.parseSync(kind === 'module' ? 'input.mjs' : 'input.cjs', source, { sourceType: kind, experimentalLazy: true });
      result.dispose?.();
      return undefined;
    }
    case 'parse':
      return parse(source, kind);
    case 'scope':
      return analyseScopes(parse(source, kind).program, kind);
    case 'rewrite':
      return prepareSource(source, { kind, header: 'const $lp = 0;', parser: parse });
    case 'build':
      return prepareForBuild({ source, kind, name: basename(file), parser: parse });
    default: {
      // write: what cli/src/prepare/prepare-one.ts writes for a file.
      const built = prepareForBuild({ source, kind, name: basename(file), parser: parse });
      const target = join(out, basename(file));
      writeFileSync(target, built.code);
      writeFileSync(`${target}.lp.map`, JSON.stringify(built.map));
      writeFileSync(`${target}.lp-original`, built.original);
      if (built.flagsModule !== undefined) writeFileSync(`${target}.lp-flags.mjs`, built.flagsModule);
      return undefined;
    }
  }
};
const cpuMs = [];
for (let pass = 0; pass < Number(passesArg); pass++) {
  const before = process.cpuUsage();
  sources.forEach((source, i) => {
    try {
      run(source, files[i]);
    } catch {
      // A file the parser refuses costs what it cost until then, as in `liveprobe prepare`.
    }
  });
  const used = process.cpuUsage(before);
  cpuMs.push(Math.round((used.user + used.system) / 1000));
}
rmSync(out, { recursive: true, force: true });
const bytes = sources.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
process.stdout.write(`${JSON.stringify({ stage, parser: parserName, files: files.length, bytes, cpuMs })}\n`);
