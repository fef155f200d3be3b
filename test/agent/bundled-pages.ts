/**
 * One TypeScript file (`src/auth.ts`) bundled into two page bundles, as Next.js's webpack build
 * does: each page's bundle carries its own copy of a module the pages import, and a page's bundle
 * loads on the first request to it. Built by webpack 5 (two entries, minified, `source-map`), run
 * by a plain server that loads the second page's bundle when asked.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import webpack from 'webpack';
import { tempDir } from '../helpers/index.js';

const SWC_LOADER = createRequire(import.meta.url).resolve('swc-loader');

const AUTH_TS = [
  'export function greet(name: string): string {',
  '  const greeting = `hello ${name}`;',
  '  return greeting.toUpperCase();',
  '}',
  '',
].join('\n');
/** `return greeting.toUpperCase();`: the line the actions name. */
export const GREET_RETURN = 3;

/** `loaded`: a name the page greets as its bundle loads, in its top-level code. */
const page = (label: string, loaded?: string): string =>
  [
    `import { greet } from './auth';`,
    ...(loaded === undefined ? [] : [`greet(${JSON.stringify(loaded)});`]),
    `export function handle(name: string): string {`,
    `  return '${label}:' + greet(name);`,
    '}',
    '',
  ].join('\n');

/**
 * Loads page A's bundle at start and page B's when `/load-b` is asked (or at start with EAGER_B=1),
 * or on the first request to B, as Next.js does: through `require`, or `import()` for ES modules.
 */
const server = (esm: boolean): string => `
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const load = (name) => ${esm ? 'import(`./dist/${name}.mjs`)' : 'Promise.resolve(require(`./dist/${name}.js`))'};
const pages = { a: await load('page-a') };
if (process.env.EAGER_B === '1') pages.b = await load('page-b');
createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/load-b') {
    pages.b = await load('page-b');
    return res.end('loaded');
  }
  const name = url.pathname.slice(1);
  pages[name] ??= await load('page-' + name);
  res.end(pages[name].handle(url.searchParams.get('name')));
}).listen(Number(process.env.PORT ?? 0), '127.0.0.1', function () {
  console.log('listening on http://127.0.0.1:' + this.address().port);
});
`;

/**
 * The project built: `dist/page-a.js` and `dist/page-b.js` (`.mjs`: ES modules), each with its own
 * copy of `src/auth.ts`; `bLoaded`: a name page B greets as its bundle loads.
 */
export async function project(t: TestContext, esm = false, bLoaded?: string): Promise<string> {
  const dir = await tempDir('liveprobe-bundled-copies-');
  t.after(() => dir.remove());
  await mkdir(join(dir.path, 'src'));
  await writeFile(join(dir.path, 'package.json'), `${JSON.stringify({ name: 'pages', private: true })}\n`);
  await writeFile(join(dir.path, 'src', 'auth.ts'), AUTH_TS);
  await writeFile(join(dir.path, 'src', 'page-a.ts'), page('a'));
  await writeFile(join(dir.path, 'src', 'page-b.ts'), page('b', bLoaded));
  await writeFile(join(dir.path, 'server.mjs'), server(esm));
  const stats = await new Promise<webpack.Stats>((resolve, reject) =>
    webpack(
      {
        mode: 'production',
        target: 'node',
        devtool: 'source-map',
        context: dir.path,
        entry: { 'page-a': './src/page-a.ts', 'page-b': './src/page-b.ts' },
        output: esm
          ? { path: join(dir.path, 'dist'), filename: '[name].mjs', module: true, chunkFormat: 'module', library: { type: 'module' } }
          : { path: join(dir.path, 'dist'), filename: '[name].js', library: { type: 'commonjs2' } },
        ...(esm ? { experiments: { outputModule: true } } : {}),
        resolve: { extensions: ['.ts', '.js'] },
        module: {
          rules: [{ test: /\.ts$/, use: { loader: SWC_LOADER, options: { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } } } }],
        },
        infrastructureLogging: { level: 'error' },
      },
      (err, result) => (err ? reject(err) : resolve(result!)),
    ),
  );
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  return dir.path;
}
