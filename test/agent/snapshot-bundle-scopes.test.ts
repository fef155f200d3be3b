/**
 * A snapshot in a bundle (agent/src/locate/scope-plan.ts): every bundled library's top-level
 * names share the one scope the probed function sits in, so the snapshot shows the function's
 * arguments, locals and closure in full, of that big scope only the names the function uses, and
 * says how many it left out; a watch expression reads one of those. Built for real as users ship:
 * esbuild (tsup) CommonJS and ES module bundles, webpack's production bundle (modules concatenated
 * into one function), tsc's CommonJS output of one big module, a plain big CommonJS file; on
 * breakpoints and on prepared sites; a Hono service bundled by esbuild; an exception's caller keeps
 * every name.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { build as esbuild } from 'esbuild';
import ts from 'typescript';
import webpack from 'webpack';
import type { ActionInput, SnapshotEvent } from '@liveprobe/protocol';
import { fromRoot, tempDir } from '@liveprobe/harness';
import { cli, sseEvents, type SseEvent } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 20_000;
/** Top-level names of the bundled "library": far more than a module as people write one. */
const LIBRARY_NAMES = 300;
const SWC_LOADER = createRequire(import.meta.url).resolve('swc-loader');

/** A library with many top-level values, each a few hundred bytes, every one used by its functions (so V8 keeps them). */
function librarySource(): string {
  const names = Array.from({ length: LIBRARY_NAMES }, (_, i) => `entry${i}`);
  return [
    ...names.map((name, i) => `const ${name} = { id: ${i}, title: '${name} ${'x'.repeat(200)}', tags: ['a', 'b', 'c'] };`),
    `export function catalogue() { return [${names.join(', ')}]; }`,
    `export function byTitle(title) { return [${names.join(', ')}].find((e) => e.title === title); }`,
  ].join('\n');
}

/** The app's own code: a closure over `discount`, two module constants it uses, one it does not. */
const PRICING = [
  "import { catalogue } from './library.js';",
  'const TAX_RATE = 0.2;',
  "const CURRENCY = 'EUR';",
  "const UNUSED_HERE = { note: 'module state the function does not touch' };",
  'export function makePricer(discount) {',
  '  const label = `discount ${discount}`;',
  '  return function price(order, coupon) {',
  '    const net = order.quantity * order.unit * (1 - discount);',
  '    const gross = net * (1 + TAX_RATE);',
  '    return { sku: order.sku, gross, currency: CURRENCY, label, coupon, known: catalogue().length }; // probed',
  '  };',
  '}',
  'export function unused() { return UNUSED_HERE; }',
].join('\n');
const PROBED = PRICING.split('\n').findIndex((line) => line.includes('// probed')) + 1;

const SERVER = [
  "import { createServer } from 'node:http';",
  "import { makePricer, unused } from './pricing.js';",
  'const price = makePricer(0.1);',
  'const server = createServer((req, res) => {',
  '  if (req.url === "/unused") return res.end(JSON.stringify(unused()));',
  "  res.end(JSON.stringify(price({ sku: 'tea', quantity: 3, unit: 4 }, 'WINTER')));",
  '});',
  "server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {",
  '  const address = server.address();',
  '  console.log(`listening on http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);',
  '});',
].join('\n');

/** The three files in `src/` (TypeScript without types: also plain JavaScript): the folder. */
async function project(t: TestContext): Promise<string> {
  const dir = await tempDir('liveprobe-bundle-scopes-');
  t.after(() => dir.remove());
  await mkdir(join(dir.path, 'src'));
  await writeFile(join(dir.path, 'src/library.ts'), librarySource());
  await writeFile(join(dir.path, 'src/pricing.ts'), PRICING);
  await writeFile(join(dir.path, 'src/server.ts'), SERVER);
  await writeFile(join(dir.path, 'package.json'), `${JSON.stringify({ name: 'pricing', private: true })}\n`);
  return dir.path;
}

/** esbuild as tsup runs it: one file, node platform, a linked map. */
async function esbuildBundle(dir: string, format: 'cjs' | 'esm'): Promise<string> {
  const outfile = join(dir, 'dist', format === 'cjs' ? 'server.js' : 'server.mjs');
  await esbuild({
    entryPoints: [join(dir, 'src/server.ts')],
    bundle: true,
    platform: 'node',
    format,
    sourcemap: true,
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * webpack production: ES modules concatenated into the bundle's one function, a linked map (not
 * minified: terser would fold the constants the test reads into the code).
 */
async function webpackBundle(dir: string): Promise<string> {
  const config: webpack.Configuration = {
    mode: 'production',
    target: 'node',
    devtool: 'source-map',
    optimization: { minimize: false },
    context: dir,
    entry: './src/server.ts',
    output: { path: join(dir, 'dist'), filename: 'server.js' },
    resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
    module: {
      rules: [{ test: /\.ts$/, use: { loader: SWC_LOADER, options: { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } } } }],
    },
    infrastructureLogging: { level: 'error' },
  };
  const stats = await new Promise<webpack.Stats>((resolve, reject) =>
    webpack(config, (err, result) => (err ? reject(err) : resolve(result!))),
  );
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  return join(dir, 'dist', 'server.js');
}

/** One big module, the library and the app's code in one file (imports between them dropped). */
function oneModule(): string {
  const own = (source: string) => source.replace(/^import .*'\.\/.*$/gm, '');
  return [SERVER.split('\n')[0], librarySource(), own(PRICING), own(SERVER.split('\n').slice(1).join('\n'))].join('\n');
}

/** tsc's CommonJS output of one big TypeScript module, with its map. */
async function tscOutput(dir: string): Promise<string> {
  await writeFile(join(dir, 'src/big.ts'), oneModule());
  const out = ts.transpileModule(oneModule(), {
    fileName: 'big.ts',
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true, sourceRoot: '../src' },
  });
  await mkdir(join(dir, 'dist'));
  await writeFile(join(dir, 'dist/big.js'), out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, '//# sourceMappingURL=big.js.map'));
  await writeFile(join(dir, 'dist/big.js.map'), out.sourceMapText!);
  return join(dir, 'dist/big.js');
}

/** A plain CommonJS file with many top-level bindings, no build: the action names the file itself. */
async function plainCommonJs(dir: string): Promise<string> {
  const source = oneModule()
    .replace("import { createServer } from 'node:http';", "const { createServer } = require('node:http');")
    .replace(/^export /gm, '');
  await writeFile(join(dir, 'src/big.cjs'), source);
  return join(dir, 'src/big.cjs');
}

interface Variant {
  note: string;
  script: (dir: string) => Promise<string>;
  /** The file the user names. */
  file: string;
  /** The probed line in that file. */
  line: number;
  prepare?: boolean;
}

const BIG_PROBED =
  oneModule()
    .split('\n')
    .findIndex((line) => line.includes('// probed')) + 1;
const VARIANTS: Variant[] = [
  { note: 'an esbuild (tsup) CommonJS bundle', script: (dir) => esbuildBundle(dir, 'cjs'), file: 'src/pricing.ts', line: PROBED },
  {
    note: 'an esbuild ES module bundle (one module scope, as rollup writes it)',
    script: (dir) => esbuildBundle(dir, 'esm'),
    file: 'src/pricing.ts',
    line: PROBED,
  },
  {
    note: 'an esbuild CommonJS bundle prepared by `liveprobe prepare`',
    script: (dir) => esbuildBundle(dir, 'cjs'),
    file: 'src/pricing.ts',
    line: PROBED,
    prepare: true,
  },
  {
    note: 'a webpack production bundle (modules concatenated into one function)',
    script: webpackBundle,
    file: 'src/pricing.ts',
    line: PROBED,
  },
  { note: "tsc's CommonJS output of one big module", script: tscOutput, file: 'src/big.ts', line: BIG_PROBED },
  { note: 'a plain big CommonJS file', script: plainCommonJs, file: 'src/big.cjs', line: BIG_PROBED },
];

type StatusData = { actionId: string; state: string; message?: string };

/** The app built one way and run with the agent and a control plane: the snapshot of one request. */
async function snapshotOf(t: TestContext, variant: Variant, watches: string[] = []) {
  const dir = await project(t);
  const script = await variant.script(dir);
  if (variant.prepare === true) assert.equal((await cli(['prepare', join(dir, 'dist')], { server: 'http://127.0.0.1:9' })).code, 0);
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const running = await app(t, { script, broker: cp.mqttUrl });
  const input: ActionInput = { type: 'snapshot', file: variant.file, line: variant.line, watches, tags: ['e2e'] };
  const { action } = await addAction(cp, input);
  const installed = await events.waitFor(
    (e: SseEvent) =>
      e.event === 'action_status' && (e.data as StatusData).actionId === action.id && (e.data as StatusData).state === 'installed',
    WAIT,
    `${action.id} installed`,
  );
  assert.match((installed.data as StatusData).message ?? '', variant.prepare === true ? /^prepared site/ : /^breakpoint/);
  assert.equal((await fetch(running.url)).status, 200);
  const event = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, `${action.id} snapshot`);
  return { snapshot: event.snapshot, id: event.id, cp };
}

/** What the user looks for, whole: arguments, locals, the closure; of the big scope the names the function uses. */
function assertFrameFirst(s: SnapshotEvent['snapshot']): void {
  assert.deepEqual(
    s.arguments.map((a) => a.name),
    ['order', 'coupon'],
  );
  assert.deepEqual(find(s.arguments, 'coupon'), { t: 'string', v: 'WINTER' });
  assert.equal(find(s.arguments, 'order').t, 'object');
  assert.deepEqual(find(s.locals, 'net'), { t: 'number', v: 10.8 });
  assert.equal(find(s.locals, 'gross').t, 'number');
  const outer = s.scopes.flatMap((scope) => scope.variables);
  assert.deepEqual(find(outer, 'discount'), { t: 'number', v: 0.1 });
  assert.deepEqual(find(outer, 'label'), { t: 'string', v: 'discount 0.1' });
  assert.deepEqual(find(outer, 'TAX_RATE'), { t: 'number', v: 0.2 });
  assert.deepEqual(find(outer, 'CURRENCY'), { t: 'string', v: 'EUR' });
  const names = outer.map((v) => v.name);
  assert.ok(!names.some((name) => /^entry\d+$/.test(name)), `no library value is read: ${names.join(', ')}`);
  assert.ok(!names.includes('UNUSED_HERE'), `a big scope's names the function does not use are not read: ${names.join(', ')}`);
  const leftOut = s.scopes.reduce((sum, scope) => sum + (scope.leftOut ?? 0), 0);
  assert.ok(leftOut >= LIBRARY_NAMES, `the snapshot says how many names it left out: ${leftOut}`);
  assert.equal(s.truncated, false, 'nothing the user looks for was cut');
}

for (const variant of VARIANTS) {
  test(`${variant.note}: a snapshot shows the frame's arguments, locals and closure in full, and of its big scope only the names the function uses, counting the rest`, async (t) => {
    const { snapshot } = await snapshotOf(t, variant);
    assertFrameFirst(snapshot);
  });
}

test('a watch expression reads a value of the big scope the snapshot left out, and `snapshots show` says how to', async (t) => {
  const { snapshot, id, cp } = await snapshotOf(t, VARIANTS[0]!, ['entry7.id', 'UNUSED_HERE.note']);
  assertFrameFirst(snapshot);
  assert.deepEqual(snapshot.watches, [
    { expression: 'entry7.id', value: { t: 'number', v: 7 } },
    { expression: 'UNUSED_HERE.note', value: { t: 'string', v: 'module state the function does not touch' } },
  ]);
  const module = snapshot.scopes.find((scope) => scope.kind === 'module');
  assert.ok(module?.leftOut !== undefined);
  const shown = await cli(['snapshots', 'show', id], { server: cp.url });
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(
    shown.stdout,
    new RegExp(
      `module scope\\n(.*\\n)*  … ${module.leftOut} more names the code here does not use, not read: \`--watch <name>\` reads one on a breakpoint \\(a prepared site has only what the function uses\\)`,
    ),
  );
});

test('on a prepared site a watch reads what the function uses; a name it does not use reads not available, saying why', async (t) => {
  const { snapshot } = await snapshotOf(t, VARIANTS[2]!, ['TAX_RATE * 100', 'UNUSED_HERE.note']);
  assertFrameFirst(snapshot);
  assert.deepEqual(snapshot.watches[0], { expression: 'TAX_RATE * 100', value: { t: 'number', v: 20 } });
  assert.match(
    snapshot.watches[1]?.error ?? '',
    /^`UNUSED_HERE` is not available at this line .*a prepared site sees what its function sees/,
  );
});

/** The plain big CommonJS file with a route whose error nobody catches, thrown two calls down. */
async function failingCommonJs(dir: string): Promise<string> {
  const script = await plainCommonJs(dir);
  const source = (await readFile(script, 'utf8'))
    .replace(
      '  if (req.url === "/unused")',
      '  if (req.url === "/fail") return res.end(String(reserve({ sku: "tea" })));\n  if (req.url === "/unused")',
    )
    .concat(
      [
        '',
        'function refuse(order) {',
        '  const reason = `no stock for ${order.sku}`;',
        '  throw new RangeError(reason);',
        '}',
        'function reserve(order) {',
        '  const attempt = TAX_RATE;',
        '  return refuse(order) + attempt;',
        '}',
        "process.on('uncaughtException', () => {});",
      ].join('\n'),
    );
  await writeFile(script, source);
  return script;
}

test("an exception's caller (frames 2..n) keeps reading every name of its scopes; the throw site is bounded", async (t) => {
  const dir = await project(t);
  const script = await failingCommonJs(dir);
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const running = await app(t, { script, broker: cp.mqttUrl });
  const { action } = await addAction(cp, { type: 'exception', frames: 2, tags: ['e2e'] });
  await events.waitFor(
    (e: SseEvent) =>
      e.event === 'action_status' && (e.data as StatusData).actionId === action.id && (e.data as StatusData).state === 'installed',
    WAIT,
    `${action.id} installed`,
  );
  // The app answers nothing: the error is uncaught, and its handler only keeps the process up.
  const request = new AbortController();
  fetch(`${running.url}/fail`, { signal: request.signal }).catch(() => {});
  t.after(() => request.abort());
  const s = (await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the exception snapshot')).snapshot;
  assert.equal(s.exception?.message, 'no stock for tea');
  assert.deepEqual(find(s.locals, 'reason'), { t: 'string', v: 'no stock for tea' });
  const thrown = s.scopes.find((scope) => scope.kind === 'module');
  assert.deepEqual(
    thrown?.variables.map((v) => v.name),
    [],
  );
  assert.ok((thrown?.leftOut ?? 0) >= LIBRARY_NAMES, 'the throw site reads only what `refuse` uses');
  const caller = s.frames?.[0];
  assert.equal(caller?.location.function, 'reserve');
  assert.deepEqual(find(caller.locals, 'attempt'), { t: 'number', v: 0.2 });
  const module = caller.scopes?.find((scope) => scope.kind === 'module');
  assert.equal(module?.leftOut, undefined, 'a caller leaves nothing out');
  assert.ok((module?.variables.length ?? 0) > LIBRARY_NAMES / 2, `a caller reads its module's names: ${module?.variables.length}`);
});

/** A Hono service bundled by esbuild as tsup does, hono and its Node server inside the bundle. */
const HONO = [
  "import { serve } from '@hono/node-server';",
  "import { Hono } from 'hono';",
  'const TAX_RATE = 0.2;',
  'const app = new Hono();',
  "app.get('/', (c) => {",
  "  const sku = c.req.query('sku') ?? 'tea';",
  '  const gross = 12 * (1 + TAX_RATE);',
  '  return c.json({ sku, gross }); // probed',
  '});',
  "serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' }, (info) => {",
  '  console.log(`listening on http://127.0.0.1:${info.port}`);',
  '});',
].join('\n');

test('a Hono app bundled by esbuild: the handler shows its context and locals, and of the bundle only `TAX_RATE`', async (t) => {
  const variant: Variant = {
    note: 'hono',
    file: 'src/server.ts',
    line: HONO.split('\n').findIndex((line) => line.includes('// probed')) + 1,
    script: async (dir) => {
      await writeFile(join(dir, 'src/server.ts'), HONO);
      const outfile = join(dir, 'dist/server.js');
      // The project folder has no node_modules: hono is the repository's.
      const nodePaths = [fromRoot('node_modules')];
      await esbuild({
        entryPoints: [join(dir, 'src/server.ts')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        sourcemap: true,
        outfile,
        nodePaths,
        logLevel: 'silent',
      });
      return outfile;
    },
  };
  const { snapshot: s } = await snapshotOf(t, variant);
  assert.deepEqual(
    s.arguments.map((a) => a.name),
    ['c'],
  );
  assert.equal(find(s.arguments, 'c').t, 'object');
  assert.deepEqual(find(s.locals, 'sku'), { t: 'string', v: 'tea' });
  const module = s.scopes.find((scope) => scope.kind === 'module');
  assert.deepEqual(
    module?.variables.map((v) => v.name),
    ['TAX_RATE'],
  );
  assert.ok((module?.leftOut ?? 0) > 100, `hono's top-level names are counted, not read: ${module?.leftOut}`);
});

test("a line at an esbuild bundle's top level reads the names it refers to, though the bundle declares them past the 200 it reads, and counts the rest", async (t) => {
  const dir = await project(t);
  const script = await esbuildBundle(dir, 'esm');
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  // Top-level code runs once, as the bundle loads: the action is there first, and the app waits for the agent to apply it.
  const line = SERVER.split('\n').findIndex((text) => text.startsWith('const price = makePricer')) + 1;
  const { action } = await addAction(cp, { type: 'snapshot', file: 'src/server.ts', line, tags: ['e2e'] });
  await app(t, { script, broker: cp.mqttUrl, env: { LIVEPROBE_STARTUP_WAIT_MS: '15000' } });
  const { snapshot } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the top-level snapshot');
  const module = snapshot.scopes.find((scope) => scope.kind === 'module');
  const names = module?.variables.map((v) => v.name) ?? [];
  assert.equal(names[0], 'makePricer', `the line's own name is read first: ${names.slice(0, 5).join(', ')}`);
  assert.equal(find(module?.variables ?? [], 'makePricer').t, 'function');
  assert.ok((module?.leftOut ?? 0) > LIBRARY_NAMES - names.length, `the names past the bound are counted: ${module?.leftOut}`);
  assert.ok(names.length + (module?.leftOut ?? 0) > LIBRARY_NAMES, 'every name is read or counted');
});
