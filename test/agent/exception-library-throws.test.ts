/**
 * A library that throws and catches errors of its own on every call, as a renderer probing with
 * try/catch does (the Nuxt trial: each request made the app throw and catch more than 20), must
 * not spend the budget of caught errors the agent pauses the app for: that budget fell back to
 * uncaught errors only for 60 s, and the app's own error, caught by Express's error middleware in
 * that minute, gave no snapshot. Nor must Node's ES module loader, which tries each bare
 * specifier a module imports as a URL and catches the TypeError: a Nuxt page's first request
 * imports chunks that make about 100 such throws. Nor must a library a bundler put into the
 * app's own chunk (esbuild, webpack): its throws are told by the chunk's source map.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { build } from 'esbuild';
import webpack from 'webpack';
import { tempDir } from '@liveprobe/harness';
import { sseEvents, type SseEvent } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';
import { snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;
const THROWS_PER_CALL = 10;
const LAZY_IMPORTS = 60;
const EXPRESS = JSON.stringify(createRequire(import.meta.url).resolve('express'));

/** A temporary folder with `files` (paths relative to it) written, removed after the test. */
async function folderWith(t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = await tempDir('liveprobe-library-throws-');
  t.after(() => dir.remove());
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir.path, path, '..'), { recursive: true });
    await writeFile(join(dir.path, path), text);
  }
  return dir.path;
}

/** An Express app's lines after `express` is loaded: `routes`, then /order, whose error is the app's own, and an error middleware. */
const expressApp = (routes: string[]) =>
  [
    'const app = express();',
    ...routes,
    "app.get('/order', (req, res) => {",
    '  const order = { id: req.query.id, total: -1 };',
    '  if (order.total < 0) throw new RangeError(`order ${order.id} has a negative total`);',
    "  res.send('ok');",
    '});',
    'app.use((err, req, res, _next) => res.status(500).send(err.message));',
    "const server = app.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));",
    '',
  ].join('\n');

/**
 * Runs `script` with an exception action, lets `flood` make the throws that are not the app's,
 * then checks the app's own error is still captured, alone, and caught errors were watched throughout.
 */
async function appErrorAfter(t: TestContext, script: string, flood: (url: string) => Promise<void>): Promise<void> {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const service = await app(t, { script, broker: cp.mqttUrl, module: script.endsWith('.mjs') ? 'esm' : 'cjs' });
  const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'] });
  const statuses = (event: SseEvent) => event.event === 'action_status' && (event.data as { actionId: string }).actionId === action.id;
  await events.waitFor((e) => statuses(e) && (e.data as { state: string }).state === 'installed', WAIT, 'the exception action installs');

  await flood(service.url);
  const failed = await fetch(`${service.url}/order?id=7`);
  assert.equal(failed.status, 500);
  assert.equal(await failed.text(), 'order 7 has a negative total');

  const { snapshot } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, "the snapshot of the app's own error");
  assert.deepEqual(snapshot.exception, { type: 'RangeError', message: 'order 7 has a negative total', causes: [] });
  assert.match(snapshot.location.file, /app\.c?m?js$/);
  assert.deepEqual(
    snapshots.items().map((e) => e.snapshot.exception?.message),
    ['order 7 has a negative total'],
    'the errors caught where they were thrown gave none',
  );
  assert.ok(
    !events.events().some((e) => statuses(e) && /watching uncaught errors only/.test((e.data as { message?: string }).message ?? '')),
    'caught errors are still watched',
  );
}

test("a library's own throws and catches on every request leave the app's caught errors watched: the app's error after them gives a snapshot", async (t) => {
  const dir = await folderWith(t, {
    'node_modules/noisy-render/index.js': [
      'exports.render = function render(name) {',
      '  let misses = 0;',
      `  for (let slot = 0; slot < ${THROWS_PER_CALL}; slot++) {`,
      '    try {',
      '      throw new Error(`no slot ${slot}`);',
      '    } catch {',
      '      misses++;',
      '    }',
      '  }',
      '  return `hello ${name} (${misses} misses)`;',
      '};',
      '',
    ].join('\n'),
    'app.cjs': [
      `const express = require(${EXPRESS});`,
      "const { render } = require('noisy-render');",
      expressApp(["app.get('/page', (req, res) => res.send(render(req.query.name)));"]),
    ].join('\n'),
  });
  await appErrorAfter(t, join(dir, 'app.cjs'), async (url) => {
    for (let request = 0; request < 5; request++)
      assert.equal(await (await fetch(`${url}/page?name=ada`)).text(), `hello ada (${THROWS_PER_CALL} misses)`);
  });
});

/** A library that tries to parse each of its slots as JSON and catches the SyntaxError of those that are not. */
const NOISY_PARSE = [
  'exports.parseAll = function parseAll(texts) {',
  '  let misses = 0;',
  '  for (const text of texts) {',
  '    try {',
  '      JSON.parse(text);',
  '    } catch {',
  '      misses++;',
  '    }',
  '  }',
  '  return misses;',
  '};',
  '',
].join('\n');

/** The bundlers a Node service is shipped with, each writing `dist/server.js` and its referenced map from `app.cjs`, express left out. */
const BUNDLERS: Record<string, (dir: string) => Promise<void>> = {
  esbuild: async (dir) => {
    await build({
      entryPoints: [join(dir, 'app.cjs')],
      outfile: join(dir, 'dist/server.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      sourcemap: true,
      external: [JSON.parse(EXPRESS) as string],
      logLevel: 'silent',
    });
  },
  webpack: async (dir) => {
    const config: webpack.Configuration = {
      mode: 'production',
      target: 'node',
      context: dir,
      entry: './app.cjs',
      output: { path: join(dir, 'dist'), filename: 'server.js' },
      devtool: 'source-map',
      externals: { [JSON.parse(EXPRESS) as string]: `commonjs ${JSON.parse(EXPRESS) as string}` },
      optimization: { minimize: false },
    };
    const stats = await new Promise<webpack.Stats>((resolve, reject) =>
      webpack(config, (err, result) => (err ? reject(err) : resolve(result!))),
    );
    assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  },
};

for (const [bundler, bundle] of Object.entries(BUNDLERS))
  test(`a library ${bundler} bundled into the app's chunk, parsing JSON in a loop on every request, leaves the app's caught errors watched: its source map tells its throws from the app's`, async (t) => {
    const dir = await folderWith(t, {
      'node_modules/noisy-parse/index.js': NOISY_PARSE,
      'package.json': JSON.stringify({ name: 'bundled-shop', private: true }),
      'app.cjs': [
        `const express = require(${EXPRESS});`,
        "const { parseAll } = require('noisy-parse');",
        `const SLOTS = Array.from({ length: ${THROWS_PER_CALL} }, (_, i) => \`slot \${i}\`);`,
        expressApp(["app.get('/page', (req, res) => res.send(`${req.query.name}: ${parseAll(SLOTS)} misses`));"]),
      ].join('\n'),
    });
    await bundle(dir);
    await appErrorAfter(t, join(dir, 'dist/server.js'), async (url) => {
      for (let request = 0; request < 5; request++)
        assert.equal(await (await fetch(`${url}/page?name=ada`)).text(), `ada: ${THROWS_PER_CALL} misses`);
    });
  });

test("Node's module loader trying each bare name a lazily imported module imports leaves the app's caught errors watched", async (t) => {
  const names = Array.from({ length: LAZY_IMPORTS }, (_, i) => `part-${i}`);
  const dir = await folderWith(t, {
    ...Object.fromEntries(names.map((name) => [`node_modules/${name}/index.js`, `module.exports = ${JSON.stringify(name)};\n`])),
    'report.mjs': `${names.map((name, i) => `import p${i} from '${name}';`).join('\n')}\nexport const parts = [${names.map((_, i) => `p${i}`).join(', ')}].length;\n`,
    'app.mjs': [
      "import { createRequire } from 'node:module';",
      `const express = createRequire(import.meta.url)(${EXPRESS});`,
      // The report's module loads on its first request, as a Nuxt page's chunks do.
      expressApp(["app.get('/report', async (req, res) => res.send(`parts ${(await import('./report.mjs')).parts}`));"]),
    ].join('\n'),
  });
  await appErrorAfter(t, join(dir, 'app.mjs'), async (url) => {
    assert.equal(await (await fetch(`${url}/report`)).text(), `parts ${LAZY_IMPORTS}`);
  });
});
