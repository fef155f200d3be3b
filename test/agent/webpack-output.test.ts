/**
 * The shop built by webpack 5 as Node services ship it (target node, TypeScript through
 * swc-loader), run with the agent: a user names `src/inventory.ts:NN`, which webpack's map names
 * `webpack://@acme/shop/./src/inventory.ts` beside its own runtime (`webpack/runtime/…`,
 * `webpack/bootstrap`). Each devtool a user may set, minified, as an ES module, and prepared by
 * `liveprobe prepare`; and what the agent says for the builds it cannot follow.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import webpack from 'webpack';
import { cli, startApp } from '../helpers/index.js';
import { checkout } from './fixtures.js';
import { assertProbed, RESERVE, RESERVE_LOOP, runWithAgent, shopProject } from './shop-builds.js';

/** The project folder has no node_modules: the loader is the repository's. */
const SWC_LOADER = createRequire(import.meta.url).resolve('swc-loader');

interface Build {
  devtool: string;
  mode?: 'development' | 'production';
  esm?: boolean;
}

/** webpack over the project's `src/server.ts` into `dist/`: the script to run. */
async function build(project: string, { devtool, mode = 'development', esm = false }: Build): Promise<string> {
  const filename = esm ? 'server.mjs' : 'server.js';
  const config: webpack.Configuration = {
    mode,
    target: 'node',
    devtool,
    context: project,
    entry: './src/server.ts',
    output: { path: join(project, 'dist'), filename, ...(esm ? { module: true, chunkFormat: 'module' } : {}) },
    ...(esm ? { experiments: { outputModule: true } } : {}),
    // The shop imports `./inventory.js`, as TypeScript for Node is written.
    resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
    module: {
      rules: [
        {
          test: /\.ts$/,
          use: { loader: SWC_LOADER, options: { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } } },
        },
      ],
    },
    infrastructureLogging: { level: 'error' },
  };
  const stats = await new Promise<webpack.Stats>((resolve, reject) =>
    webpack(config, (err, result) => (err ? reject(err) : resolve(result!))),
  );
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  return join(project, 'dist', filename);
}

const PROBED: { build: Build; line?: number; note: string }[] = [
  { build: { devtool: 'source-map' }, note: 'a linked map' },
  { build: { devtool: 'inline-source-map' }, note: 'an inline map' },
  { build: { devtool: 'nosources-source-map' }, note: 'a map without the sources’ text' },
  // terser folds `reserve`'s last statements into one expression: a line before them.
  { build: { devtool: 'source-map', mode: 'production' }, line: RESERVE - 2, note: 'minified by terser' },
  { build: { devtool: 'source-map', esm: true }, note: 'an ES module (output.module)' },
];

for (const { build: options, line, note } of PROBED) {
  test(`webpack devtool ${options.devtool} (${note}): a log, a snapshot and a counter on src/inventory.ts install there and report the TypeScript's names and lines`, async (t) => {
    const project = await shopProject(t);
    const script = await build(project, options);
    await assertProbed(await runWithAgent(t, script), project, line === undefined ? {} : { line });
  });
}

test('webpack hidden-source-map: the action waits, saying the bundle has a map beside it that it does not reference, and how to build', async (t) => {
  const project = await shopProject(t);
  const script = await build(project, { devtool: 'hidden-source-map' });
  const running = await runWithAgent(t, script);
  const id = await running.add({ type: 'log', file: 'src/inventory.ts', line: RESERVE, template: 'x' });
  const pending = await running.status(id, 'pending');
  assert.equal(
    pending.message,
    `no loaded script matches \`src/inventory.ts\`; ${script} has a source map beside it that names ${join(project, 'src/inventory.ts')}, but the script does not reference it (no \`//# sourceMappingURL=\` comment: webpack's devtool \`hidden-source-map\`, esbuild's \`sourcemap: 'external'\`): build with a referenced map (webpack \`source-map\`, esbuild \`sourcemap: true\`), or end the script with \`//# sourceMappingURL=server.js.map\` (it will install if such a script loads)`,
  );
});

/**
 * webpack's development default, `eval-source-map`, and `eval-cheap-module-source-map` run each
 * module from an eval string named `webpack://@acme/shop/./src/inventory.ts?<hash>`, with its own
 * inline map (`next dev` runs its server's modules so): probed through that map, its paths read
 * from the folder of the bundle that evals it. Before, the action waited, saying the agent does
 * not probe code in eval strings.
 */
for (const devtool of ['eval-source-map', 'eval-cheap-module-source-map']) {
  test(`webpack ${devtool} (modules in eval strings): a log, a snapshot and a counter on src/inventory.ts install there and report the TypeScript's names and lines`, async (t) => {
    const project = await shopProject(t);
    await assertProbed(await runWithAgent(t, await build(project, { devtool })), project);
  });
}

test('webpack devtool eval (modules in eval strings without a map): the action waits, saying so plainly and which devtool to use', async (t) => {
  const project = await shopProject(t);
  const running = await runWithAgent(t, await build(project, { devtool: 'eval' }));
  const id = await running.add({ type: 'log', file: 'src/inventory.ts', line: RESERVE, template: 'x' });
  const pending = await running.status(id, 'pending');
  assert.match(
    pending.message ?? '',
    /^no loaded script matches `src\/inventory\.ts`; src\/inventory\.ts runs from an eval string \(webpack's eval devtools: [^)]*\), which the agent does not probe: build with devtool `source-map` \(or `inline-source-map`\)/,
  );
});

const PREPARED: { build: Build; line?: number; note: string }[] = [
  { build: { devtool: 'source-map' }, note: 'development' },
  // Minified: the frames come back in the bundle's one line as written, read through its own map.
  { build: { devtool: 'source-map', mode: 'production' }, line: RESERVE - 2, note: 'minified by terser' },
];

for (const { build: options, line, note } of PREPARED) {
  test(`a webpack bundle (${note}) prepared by \`liveprobe prepare\` runs as built without the agent, and with it takes the actions on prepared sites`, async (t) => {
    const project = await shopProject(t);
    const script = await build(project, options);
    const prepared = await cli(['prepare', join(project, 'dist')], { server: 'http://127.0.0.1:9' });
    assert.equal(prepared.code, 0, prepared.stderr);
    assert.match(prepared.stdout, /^prepared 1 file/);
    assert.match(await readFile(script, 'utf8'), /^\/\*liveprobe:prepared\*\//);

    const plain = await startApp({ script, tags: ['e2e'], module: 'esm', broker: 'mqtt://127.0.0.1:9', agent: false });
    t.after(() => plain.stop());
    const order = (await (await checkout(plain.url, 'u1', 2)).json()) as { amount: number };
    assert.equal(order.amount, 8.1);
    await plain.stop();

    await assertProbed(await runWithAgent(t, script), project, { where: /^prepared site/, ...(line === undefined ? {} : { line }) });
  });
}

test('a webpack bundle minified by terser and prepared: the line terser folded into `reserve`’s return takes breakpoints in `reserve` only, as on the bundle as built', async (t) => {
  const project = await shopProject(t);
  const script = await build(project, { devtool: 'source-map', mode: 'production' });
  const prepared = await cli(['prepare', join(project, 'dist')], { server: 'http://127.0.0.1:9' });
  assert.equal(prepared.code, 0, prepared.stderr);
  const running = await runWithAgent(t, script);
  const id = await running.add({ type: 'snapshot', file: 'src/inventory.ts', line: RESERVE });
  const installed = await running.status(id, 'installed');
  // Its two places are `reserve`'s own code and its twin's copy; V8 stops in the folded
  // expression at its next line's part, as it does on the bundle as built, and says so: the line
  // has code (it is not a blank line moved past).
  const inventory = join(project, 'src/inventory.ts');
  assert.deepEqual(installed.location, { file: inventory, line: RESERVE + 1 });
  assert.equal(
    installed.message,
    `breakpoint (not on prepared sites: line ${RESERVE} of ${inventory} has no prepared site); line ${RESERVE} sits in 2 places of ${script}: a breakpoint at each; line ${RESERVE}'s code is inside an expression V8 cannot stop in part-way (a minifier folded lines into one expression); installed at line ${RESERVE + 1}, where V8 next stops in it, after line ${RESERVE}'s code ran: to read values before it, put the action on line ${RESERVE - 1}, where that statement starts`,
  );
  // The line named is where V8 can stop before line RESERVE's code: the advice holds.
  const advised = await running.status(
    await running.add({ type: 'counter', file: 'src/inventory.ts', line: RESERVE - 1, name: 'shop.before_reserve' }),
    'installed',
  );
  assert.deepEqual(advised.location, { file: inventory, line: RESERVE - 1 });
  await running.checkout(3);
  const s = await running.snapshot(id);
  assert.deepEqual(s.location, { file: inventory, line: RESERVE + 1, function: 'reserve' });
  assert.deepEqual(
    s.stack.slice(0, 2).map((f) => [f.function, f.file, f.line]),
    [
      ['reserve', inventory, RESERVE + 1],
      ['checkout', join(project, 'src/server.ts'), RESERVE_LOOP],
    ],
  );
});
