// Checks that a prepared CommonJS file exposes to an ES module's `import` exactly the names its
// original did. Node does not run a CommonJS file to find those names: it reads its source with
// cjs-module-lexer, which matches exact token shapes (tsc's re-export getters, Babel's re-export
// loop, esbuild's `0 && (module.exports = {…})`, …), so sites inserted into one of those shapes
// silently drop names. This prepares every CommonJS file under the given folders as
// `liveprobe prepare` does and compares the lexer's exports and reexports (as sets) of the
// original and of the prepared file. Files the lexer or the transform refuse are counted apart.
//
//   node scripts/prepare-exports.mjs [--all] [--agent <agent/dist>] [--oxc] node_modules
//
// --agent prepares with another build's agent (to count what a change fixed); --oxc parses with
// oxc-parser's raw transfer, as `liveprobe prepare` does where it can (Node 22 or later).
// Exits 1 when some file differs, listing the first twenty (--all: every one) with the names lost or gained.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { init, parse } from 'cjs-module-lexer';

const { values, positionals } = parseArgs({
  options: { all: { type: 'boolean' }, agent: { type: 'string' }, oxc: { type: 'boolean' } },
  allowPositionals: true,
});
if (positionals.length === 0) {
  console.error('usage: node scripts/prepare-exports.mjs [--all] [--agent <agent/dist>] [--oxc] <folder or file>…');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..');
const agent = values.agent === undefined ? join(root, 'agent/dist') : resolve(values.agent);
const { prepareForBuild } = await import(pathToFileURL(join(agent, 'prepare/build-output.js')).href);
let parser;
if (values.oxc === true) {
  const { oxcRawParser } = await import(pathToFileURL(join(root, 'cli/dist/prepare/oxc-parse.js')).href);
  parser = await oxcRawParser();
  if (parser === undefined) {
    console.error(`oxc-parser's raw transfer is not available here (Node ${process.version}): run this on Node 22 or later`);
    process.exit(2);
  }
}
await init();

function* scripts(path) {
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    if (/\.c?js$/.test(path)) yield path;
    return;
  }
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) yield* scripts(child);
    else if (entry.isFile() && /\.c?js$/.test(entry.name)) yield child;
  }
}

// A `.js` file is CommonJS unless its nearest package.json says `"type": "module"`, as Node decides.
const typeOfFolder = new Map();
function isModuleFolder(folder) {
  let type = typeOfFolder.get(folder);
  if (type === undefined) {
    try {
      type = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).type === 'module' ? 'module' : 'commonjs';
    } catch (err) {
      const parent = dirname(folder);
      type = err.code === 'ENOENT' && parent !== folder ? (isModuleFolder(parent) ? 'module' : 'commonjs') : 'commonjs';
    }
    typeOfFolder.set(folder, type);
  }
  return type === 'module';
}

const lexed = (source) => {
  const { exports, reexports } = parse(source);
  return { exports: new Set(exports), reexports: new Set(reexports) };
};
const difference = (a, b) => [...a].filter((x) => !b.has(x));

let files = 0;
// ES module syntax in a file Node would load as CommonJS (rxjs's dist/esm, read by bundlers only).
let lexerRefused = 0;
let prepareRefused = 0;
const different = [];
for (const path of positionals.flatMap((p) => [...scripts(resolve(p))])) {
  if (path.endsWith('.js') && isModuleFolder(dirname(path))) continue;
  const source = readFileSync(path, 'utf8');
  files++;
  let before;
  try {
    before = lexed(source);
  } catch {
    lexerRefused++;
    continue;
  }
  let code;
  try {
    code = prepareForBuild({ source, kind: 'commonjs', name: basename(path), ...(parser === undefined ? {} : { parser }) }).code;
  } catch {
    prepareRefused++;
    continue;
  }
  let after;
  try {
    after = lexed(code);
  } catch (err) {
    different.push({ path, error: `the lexer refuses the prepared file: ${err.message}` });
    continue;
  }
  const lost = [...difference(before.exports, after.exports), ...difference(before.reexports, after.reexports).map((r) => `reexport ${r}`)];
  const gained = [
    ...difference(after.exports, before.exports),
    ...difference(after.reexports, before.reexports).map((r) => `reexport ${r}`),
  ];
  if (lost.length > 0 || gained.length > 0)
    different.push({ path, lost: lost.slice(0, 5), lostCount: lost.length, gained: gained.slice(0, 5) });
  if (files % 2000 === 0) console.error(`${files} files, ${different.length} different`);
}
for (const entry of values.all === true ? different : different.slice(0, 20)) console.log(JSON.stringify(entry));
console.log(
  JSON.stringify({
    files,
    lexerRefused,
    prepareRefused,
    same: files - lexerRefused - prepareRefused - different.length,
    different: different.length,
  }),
);
process.exit(different.length === 0 ? 0 : 1);
