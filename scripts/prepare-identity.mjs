// Checks that a change to the prepare pipeline leaves its output byte for byte as it was: prepares
// every JavaScript file under the given folders as `liveprobe prepare` does (the transform, then
// the build-time header, composed source map and flags module) with this checkout's agent and
// with another (another build's agent/dist, or this build on oxc-parser as `liveprobe prepare`
// uses it on a small tree: raw transfer on Node 22 or later, its AST as JSON on Node 20), and counts the files whose output (prepared code,
// source map, flags module, sites, position map, report) differs. A file both refuse counts as the same (with --oxc the two parsers word their syntax
// errors differently; with --baseline the messages are compared too).
//
//   node scripts/prepare-identity.mjs --baseline /tmp/lp-main/agent/dist node_modules
//   node scripts/prepare-identity.mjs --oxc node_modules        (Node 22 or later: raw transfer; Node 20: JSON)
//
// Exits 1 when some file differs, listing the first ten.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: { baseline: { type: 'string' }, oxc: { type: 'boolean' } },
  allowPositionals: true,
});
if ((values.baseline === undefined) === (values.oxc !== true) || positionals.length === 0) {
  console.error('usage: node scripts/prepare-identity.mjs (--baseline <agent/dist> | --oxc) <folder or file>…');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..');
const load = (dist) => import(pathToFileURL(join(dist, 'prepare/build-output.js')).href);
const { prepareForBuild } = await load(join(root, 'agent/dist'));
const other = values.baseline === undefined ? undefined : await load(resolve(values.baseline));
let parser;
if (values.oxc === true) {
  const { chooseParser } = await import(pathToFileURL(join(root, 'cli/dist/prepare/oxc-parse.js')).href);
  const chosen = await chooseParser(0);
  parser = chosen.parse;
  if (parser === undefined) {
    console.error(`oxc-parser is not available here: ${chosen.choice.reason}`);
    process.exit(2);
  }
  console.error(`comparing acorn with ${chosen.choice.name}`);
}

function* scripts(path) {
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    if (/\.(c|m)?js$/.test(path)) yield path;
    return;
  }
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) yield* scripts(child);
    else if (entry.isFile() && /\.(c|m)?js$/.test(entry.name)) yield child;
  }
}

const outcome = (prepare, source, kind, name, withParser) => {
  try {
    return JSON.stringify(prepare({ source, kind, name, ...(withParser ? { parser } : {}) }));
  } catch (err) {
    return values.oxc === true ? 'refused' : `refused: ${err.message}`;
  }
};

let files = 0;
let bytes = 0;
const different = [];
for (const path of positionals.flatMap((p) => [...scripts(resolve(p))])) {
  const source = readFileSync(path, 'utf8');
  const kind = path.endsWith('.mjs') ? 'module' : 'commonjs';
  files++;
  bytes += source.length;
  const name = basename(path);
  const mine = outcome(prepareForBuild, source, kind, name, false);
  const theirs =
    other === undefined ? outcome(prepareForBuild, source, kind, name, true) : outcome(other.prepareForBuild, source, kind, name, false);
  if (mine !== theirs) different.push(path);
  if (files % 1000 === 0) console.error(`${files} files, ${different.length} different`);
}
console.log(
  JSON.stringify({ files, mb: +(bytes / 1048576).toFixed(1), same: files - different.length, different: different.slice(0, 10) }),
);
process.exit(different.length === 0 ? 0 : 1);
