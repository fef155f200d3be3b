import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { build, transform } from 'esbuild';
import { cli, lineOf, sseEvents, tempDir, waitFor, type SseEvent, type SseStream } from '../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, app, checkout, controlPlane, getAction } from './fixtures.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;
const INVENTORY_TS = 'examples/shop/src/inventory.ts';
const RESERVE = lineOf(INVENTORY_TS, 'reserve');

type StatusData = { actionId: string; state: string; message?: string; location?: { file: string; line: number } };
const statusOf = (events: SseStream, actionId: string, state?: string): Promise<SseEvent> =>
  events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as StatusData).actionId === actionId &&
      (state === undefined || (e.data as StatusData).state === state),
    WAIT,
    `${actionId} ${state ?? 'status'}`,
  );

/** The shop bundled by esbuild into one file, as many services are deployed. */
async function bundle(t: TestContext, sourcemap: 'linked' | 'inline', minify = false): Promise<string> {
  const dir = await tempDir('liveprobe-bundle-');
  t.after(() => dir.remove());
  const outfile = join(dir.path, 'shop.bundle.mjs');
  await build({
    entryPoints: [fromRoot('examples/shop/src/server.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    sourcemap,
    minify,
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

async function stack(t: TestContext, script: string, extraImports: string[] = []) {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script, broker: cp.mqttUrl, extraImports });
  return { cp, events, shop };
}

/**
 * The bundle with its map rewritten as a sectioned (index) map, the kind Turbopack writes for each
 * chunk (Next 16's `next build`), here two sections: the bundle's first line and the rest.
 */
async function sectionedBundle(t: TestContext): Promise<string> {
  const script = await bundle(t, 'linked');
  const map = JSON.parse(await readFile(`${script}.map`, 'utf8')) as { mappings: string };
  const [first, ...rest] = map.mappings.split(';');
  const sections = [
    { offset: { line: 0, column: 0 }, map: { ...map, mappings: first } },
    { offset: { line: 1, column: 0 }, map: { ...map, mappings: rest.join(';') } },
  ];
  await writeFile(`${script}.map`, JSON.stringify({ version: 3, sections }));
  return script;
}

for (const sourcemap of ['linked', 'inline', 'sectioned'] as const) {
  test(`a line of TypeScript bundled by esbuild (${sourcemap} source map) is probed through the bundle's map`, async (t) => {
    const script = sourcemap === 'sectioned' ? await sectionedBundle(t) : await bundle(t, sourcemap);
    const { cp, events, shop } = await stack(t, script);
    const { action } = await addAction(cp, {
      type: 'log',
      file: 'src/inventory.ts',
      line: RESERVE,
      template: 'bundled: {quantity} x {sku}',
      tags: ['e2e'],
    });
    const installed = (await statusOf(events, action.id, 'installed')).data as StatusData;
    assert.deepEqual(installed.location, { file: fromRoot(INVENTORY_TS), line: RESERVE });
    await checkout(shop.url, 'u1', 4);
    const output = await events.waitFor(
      (e) => e.event === 'output' && (e.data as { actionId: string }).actionId === action.id,
      WAIT,
      'output',
    );
    assert.equal((output.data as { message: string }).message, 'bundled: 4 x tea');
  });
}

test('a snapshot on a line of a minified bundle (esbuild --minify) names its variables as the source does, through the map’s names', async (t) => {
  const script = await bundle(t, 'linked', true);
  const { cp, events, shop } = await stack(t, script);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const { action } = await addAction(cp, { type: 'snapshot', file: 'src/inventory.ts', line: RESERVE, tags: ['e2e'] });
  await statusOf(events, action.id, 'installed');
  await checkout(shop.url, 'u1', 4);
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot');
  assert.deepEqual(
    s.arguments.map((a) => [a.name, a.value]),
    [
      ['sku', { t: 'string', v: 'tea' }],
      ['quantity', { t: 'number', v: 4 }],
    ],
  );
  assert.equal(find(s.locals, 'product').t, 'object');
});

/** The end of each handler.ts below: `server` listens on PORT and says where. */
const LISTEN = [
  "server.listen(Number(process.env.PORT), '127.0.0.1', () => {",
  '  const { port } = server.address() as { port: number };',
  '  console.log(`listening on http://127.0.0.1:${port}`);',
  '});',
  '',
];

/** A project folder, removed after the test, holding `src/handler.ts` with this text. */
async function handlerSource(t: TestContext, text: string): Promise<{ dir: { path: string }; source: string }> {
  const dir = await tempDir('liveprobe-handler-');
  t.after(() => dir.remove());
  const source = join(dir.path, 'src', 'handler.ts');
  await mkdir(join(dir.path, 'src'));
  await writeFile(source, text);
  return { dir, source };
}

/**
 * A variable minified away: esbuild --minify turns `const data = await load(n); return data.n`
 * into `return (await a(n)).n`, as Next.js's server minifier does, so no `data` runs.
 */
const MINIFIED_AWAY = [
  "import { createServer } from 'node:http';",
  'async function load(n: number): Promise<{ n: number }> {',
  '  return { n: n * 2 };',
  '}',
  'export async function handle(n: number): Promise<number> {',
  '  const data = await load(n);',
  '  return data.n; // probe: minified-away',
  '}',
  'const server = createServer(async (req, res) => res.end(String(await handle(Number(req.url!.slice(1))))));',
  ...LISTEN,
].join('\n');

for (const prepared of [false, true]) {
  test(`a variable the minifier removed says so, and how to read it, ${prepared ? 'on a prepared site' : 'on a breakpoint'}`, async (t) => {
    const { dir, source } = await handlerSource(t, MINIFIED_AWAY);
    const outfile = join(dir.path, 'dist', 'handler.mjs');
    await build({
      entryPoints: [source],
      bundle: true,
      platform: 'node',
      format: 'esm',
      minify: true,
      sourcemap: 'linked',
      outfile,
      logLevel: 'silent',
    });
    assert.doesNotMatch(await readFile(outfile, 'utf8'), /data/, 'the bundle runs without `data`');
    if (prepared) assert.equal((await cli(['prepare', join(dir.path, 'dist')], { server: 'http://127.0.0.1:9' })).code, 0);
    const { cp, shop } = await stack(t, outfile);
    const line = MINIFIED_AWAY.split('\n').findIndex((l) => l.includes('probe: minified-away')) + 1;
    const { action } = await addAction(cp, { type: 'log', file: source, line, template: 'handled {n} as {data.n}', tags: ['e2e'] });
    // A name the source never writes is no minifier's doing.
    const { action: typo } = await addAction(cp, { type: 'log', file: source, line, template: '{dta.n}', tags: ['e2e'] });
    const status = async (id = action.id) => (await getAction(cp, id)).statuses[0];
    await waitFor(async () => (await status())?.state === 'installed', WAIT, 'the action to install');
    await waitFor(async () => (await status(typo.id))?.state === 'installed', WAIT, 'the typo action to install');
    assert.equal(/^prepared site/.test((await status())?.message ?? ''), prepared, (await status())?.message);
    assert.equal(await (await fetch(`${shop.url}/3`)).text(), '6');
    await waitFor(async () => (await status())?.state === 'error', WAIT, 'the error status');
    await waitFor(async () => (await status(typo.id))?.state === 'error', WAIT, 'the error status of the typo');
    assert.match((await status(typo.id))?.message ?? '', /^`dta` is not available at this line/);
    assert.match(
      (await status())?.message ?? '',
      /^`data` is not a variable of the built code at this line: not defined here, or removed or inlined by the build \(a bundler or minifier folds a single-use variable into its use: .*\); to read it, read an expression that is still there \(what `data` was set to\), or build with that inlining off$/,
    );
    // esbuild built it: no framework's setting is the way to turn it off.
    assert.doesNotMatch((await status())?.message ?? '', /Next/);
  });
}

/**
 * A two-stage build: the first stage's output bundled again by a tool that does not read its
 * input's maps, as SvelteKit's adapter-node bundles Vite's server output with Rollup. The running
 * file's map names the first stage's file; only that file's own map names the TypeScript.
 */
const TWO_STAGES = [
  "import { createServer } from 'node:http';",
  'export function total(prices: number[]): number {',
  '  const sum = prices.reduce((a, b) => a + b, 0);',
  '  return sum; // probe: two-stages',
  '}',
  'const server = createServer((req, res) => res.end(String(total(req.url!.slice(1).split(",").map(Number)))));',
  ...LISTEN,
].join('\n');

/**
 * TWO_STAGES built in two stages: the first into `.stage/handler.js` (its map beside it, or inline
 * as Vite's dev-like builds leave it), the second into `dist/index.mjs`. `source` (its text, or
 * TWO_STAGES) is what the first stage builds.
 */
async function twoStageBuild(
  t: TestContext,
  firstMap: 'linked' | 'inline' = 'linked',
  text = TWO_STAGES,
): Promise<{ dir: { path: string }; source: string; outfile: string }> {
  const { dir, source } = await handlerSource(t, text);
  const stage = join(dir.path, '.stage', 'handler.js');
  await build({
    entryPoints: [source],
    bundle: true,
    platform: 'node',
    format: 'esm',
    sourcemap: firstMap,
    outfile: stage,
    logLevel: 'silent',
  });
  // The second stage moves every line down and maps only to the first stage's file. esbuild would
  // follow an inline map: it is given the file without it (and the agent reads the file itself).
  const staged = await readFile(stage, 'utf8');
  const inline = firstMap === 'inline';
  const second = await transform(inline ? staged.slice(0, staged.lastIndexOf('//# sourceMappingURL=')) : staged, {
    format: 'esm',
    sourcemap: 'external',
    sourcesContent: !inline,
    sourcefile: '../.stage/handler.js',
    banner: '// bundled again\nconst rebundled = true;\n',
  });
  await mkdir(join(dir.path, 'dist'));
  const outfile = join(dir.path, 'dist', 'index.mjs');
  await writeFile(outfile, `${second.code}//# sourceMappingURL=index.mjs.map\n`);
  await writeFile(`${outfile}.map`, second.map);
  assert.deepEqual(JSON.parse(second.map).sources, ['../.stage/handler.js'], 'the running file’s map names the first stage’s file only');
  return { dir, source, outfile };
}

for (const prepared of [false, true]) {
  test(`a line of TypeScript built in two stages, the second without reading the first's maps (SvelteKit's adapter-node), is probed through both maps, ${prepared ? 'on a prepared site' : 'on a breakpoint'}`, async (t) => {
    const { dir, source, outfile } = await twoStageBuild(t);
    if (prepared) assert.equal((await cli(['prepare', join(dir.path, 'dist')], { server: 'http://127.0.0.1:9' })).code, 0);
    const { cp, events, shop } = await stack(t, outfile);
    const line = lineOf(source, 'two-stages');
    const { action } = await addAction(cp, {
      type: 'log',
      file: 'src/handler.ts',
      line,
      template: 'sum {sum} of {prices.length}',
      tags: ['e2e'],
    });
    const installed = (await statusOf(events, action.id, 'installed')).data as StatusData;
    assert.deepEqual(installed.location, { file: source, line });
    assert.equal(/^prepared site/.test(installed.message ?? ''), prepared, installed.message);
    assert.equal(await (await fetch(`${shop.url}/2,3,4`)).text(), '9');
    const output = await events.waitFor(
      (e) => e.event === 'output' && (e.data as { actionId: string }).actionId === action.id,
      WAIT,
      'output',
    );
    assert.equal((output.data as { message: string }).message, 'sum 9 of 3');
  });
}

test("a two-stage build whose first stage's output carries its map inline, longer than 4 KB, is probed through both maps", async (t) => {
  // A long comment: the first stage's inline map carries the whole source (sourcesContent).
  const text = `${TWO_STAGES}// ${'padding '.repeat(1024)}\n`;
  const { source, outfile, dir } = await twoStageBuild(t, 'inline', text);
  const staged = await readFile(join(dir.path, '.stage', 'handler.js'), 'utf8');
  assert.ok(staged.length - staged.lastIndexOf('//# sourceMappingURL=data:') > 8192, 'the inline map is longer than 4 KB');
  const { cp, events, shop } = await stack(t, outfile);
  const line = lineOf(source, 'two-stages');
  const { action } = await addAction(cp, { type: 'log', file: 'src/handler.ts', line, template: 'sum {sum}', tags: ['e2e'] });
  const installed = (await statusOf(events, action.id, 'installed')).data as StatusData;
  assert.deepEqual(installed.location, { file: source, line });
  assert.equal(await (await fetch(`${shop.url}/2,3`)).text(), '5');
  const output = await events.waitFor(
    (e) => e.event === 'output' && (e.data as { actionId: string }).actionId === action.id,
    WAIT,
    'output',
  );
  assert.equal((output.data as { message: string }).message, 'sum 5');
});

test("a two-stage build deployed without the first stage's output (SvelteKit's build/ without .svelte-kit/output) says which map is missing and what to deploy", async (t) => {
  const { dir, outfile } = await twoStageBuild(t);
  await rm(join(dir.path, '.stage'), { recursive: true });
  const { cp, events } = await stack(t, outfile);
  const { action } = await addAction(cp, { type: 'log', file: 'src/handler.ts', line: 4, template: 'x', tags: ['e2e'] });
  const pending = (await statusOf(events, action.id, 'pending')).data as StatusData;
  const stage = join(dir.path, '.stage');
  assert.match(pending.message ?? '', /no loaded script matches `src\/handler\.ts`/);
  assert.ok(
    pending.message?.includes(
      `; 1 built file(s) that loaded scripts' maps name could not be traced on to the sources they were built from, e.g. ${join(stage, 'handler.js')} (a built file a map names as its source) names its source map ${join(stage, 'handler.js.map')}, but that file does not exist; deploy ${stage} (the first build stage's output, with its .map files) beside the running build`,
    ),
    pending.message,
  );
});

test('a bundle whose source map was not deployed says exactly what is missing', async (t) => {
  const script = await bundle(t, 'linked');
  await rm(`${script}.map`);
  const { cp, events } = await stack(t, script);
  const { action } = await addAction(cp, { type: 'log', file: 'src/inventory.ts', line: RESERVE, template: 'x', tags: ['e2e'] });
  const error = (await statusOf(events, action.id, 'pending')).data as StatusData;
  assert.match(error.message ?? '', /no loaded script matches `src\/inventory\.ts`/);
  assert.match(
    error.message ?? '',
    new RegExp(
      `names the source map ${script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.map, but the file does not exist; deploy the \\.map files next to the scripts`,
    ),
  );
});

test('TypeScript run through the tsx loader (inline maps) is probed at the line the user reads', async (t) => {
  const { cp, events, shop } = await stack(t, 'examples/shop/src/server.ts', ['tsx']);
  const line = lineOf('examples/shop/src/server.ts', 'checkout-return');
  const { action } = await addAction(cp, {
    type: 'log',
    file: 'examples/shop/src/server.ts',
    line,
    template: 'tsx order {order.id} = {amount}',
    tags: ['e2e'],
  });
  const installed = (await statusOf(events, action.id, 'installed')).data as StatusData;
  assert.equal(installed.location?.line, line);
  const order = (await (await checkout(shop.url, 'u2', 1)).json()) as { id: number; amount: number };
  const output = await events.waitFor(
    (e) => e.event === 'output' && (e.data as { actionId: string }).actionId === action.id,
    WAIT,
    'output',
  );
  assert.equal((output.data as { message: string }).message, `tsx order ${order.id} = ${order.amount}`);
});

test('a path that matches several loaded files is an error listing the candidates', async (t) => {
  const { cp, events } = await stack(t, 'test/fixtures/two-utils/main.cjs');
  const { action } = await addAction(cp, { type: 'log', file: 'util.cjs', line: 1, template: 'x', tags: ['e2e'] });
  const error = (await statusOf(events, action.id, 'error')).data as StatusData;
  assert.match(
    error.message ?? '',
    /`util\.cjs` matches 2 loaded files: \S+two-utils\/a\/util\.cjs, \S+two-utils\/b\/util\.cjs; give more of the path/,
  );
  const precise = await addAction(cp, {
    type: 'log',
    file: 'b/util.cjs',
    line: lineOf('test/fixtures/two-utils/b/util.cjs', 'util-b'),
    template: 'n={n}',
    tags: ['e2e'],
  });
  await statusOf(events, precise.action.id, 'installed');
});

test('an action that carries the line as the editor shows it is refused where the deployed source differs', async (t) => {
  const { cp, events } = await stack(t, 'examples/shop/dist/server.js');
  const line = lineOf('examples/shop/src/server.ts', 'checkout-return');
  const same = await addAction(cp, {
    type: 'log',
    file: 'src/server.ts',
    line,
    lineText: '  return order; // probe: checkout-return',
    template: 'x',
    tags: ['e2e'],
  });
  await statusOf(events, same.action.id, 'installed');
  const differs = await addAction(cp, {
    type: 'log',
    file: 'src/server.ts',
    line,
    lineText: 'return order.total;',
    template: 'x',
    tags: ['e2e'],
  });
  const error = (await statusOf(events, differs.action.id, 'error')).data as StatusData;
  assert.match(
    error.message ?? '',
    /^deployed source differs at \S+examples\/shop\/src\/server\.ts:\d+: the running code has `return order; \/\/ probe: checkout-return` where you expect `return order\.total;`/,
  );
});

/**
 * An app whose dependency `greeter` ships tsc-style output: `dist/greet.mjs`, its map, and the
 * TypeScript it came from in `src/`, as many packages in node_modules do.
 */
async function appWithMappedDependency(t: TestContext): Promise<string> {
  const dir = await tempDir('liveprobe-dependency-');
  t.after(() => dir.remove());
  const pkg = join(dir.path, 'node_modules', 'greeter');
  await mkdir(join(pkg, 'src'), { recursive: true });
  await writeFile(
    join(pkg, 'src', 'greet.ts'),
    'export function greet(name: string): string {\n  const text: string = `hello ${name}`;\n  return text;\n}\n',
  );
  await build({
    entryPoints: [join(pkg, 'src', 'greet.ts')],
    format: 'esm',
    platform: 'node',
    sourcemap: 'linked',
    outfile: join(pkg, 'dist', 'greet.mjs'),
    logLevel: 'silent',
  });
  const main = join(dir.path, 'main.mjs');
  await writeFile(
    main,
    [
      "import { createServer } from 'node:http';",
      "import { greet } from './node_modules/greeter/dist/greet.mjs';",
      "const server = createServer((req, res) => res.end(greet(new URL(req.url, 'http://x').searchParams.get('name'))));",
      "server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));",
      '',
    ].join('\n'),
  );
  return main;
}

test("a dependency's TypeScript named without node_modules/ waits with a status that names the path to use, which installs", async (t) => {
  const { cp, events, shop } = await stack(t, await appWithMappedDependency(t));
  const { action } = await addAction(cp, { type: 'log', file: 'src/greet.ts', line: 2, template: 'x', tags: ['e2e'] });
  const waiting = (await statusOf(events, action.id, 'pending')).data as StatusData;
  assert.match(
    waiting.message ?? '',
    /^no loaded script matches `src\/greet\.ts`; a dependency's sources are searched only when the path names node_modules\/: did you mean node_modules\/greeter\/src\/greet\.ts\? \(it will install if such a script loads\)$/,
  );
  const named = await addAction(cp, {
    type: 'log',
    file: 'node_modules/greeter/src/greet.ts',
    line: 2,
    template: 'greeting {name}',
    tags: ['e2e'],
  });
  await statusOf(events, named.action.id, 'installed');
  assert.equal(await (await fetch(`${shop.url}/?name=ada`)).text(), 'hello ada');
  const output = await events.waitFor(
    (e) => e.event === 'output' && (e.data as { actionId: string }).actionId === named.action.id,
    WAIT,
    'output',
  );
  assert.equal((output.data as { message: string }).message, 'greeting ada');
});
