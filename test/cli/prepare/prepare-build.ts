/**
 * The build test/cli/prepare.test.ts and its neighbours prepare: tsc's output for the
 * prepare-build fixture (CommonJS or ESM) or esbuild's bundle of it, run from the original build
 * or the prepared one, with the agent or without.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { cli, compileTypeScript, lineOf, startApp, tempDir, type App } from '../../helpers/index.js';
import { addAction } from '../../agent/fixtures.js';
import type { ControlPlane } from '../../helpers/index.js';
import { Child, fromRoot } from '@liveprobe/harness';

export const TS = 'test/fixtures/prepare-build/server.ts';
const NO_SERVER = 'http://127.0.0.1:9';

export type Build = 'commonjs' | 'esm' | 'bundle' | 'minified bundle' | 'minified ES module bundle';

/** tsc's output for the fixture (or esbuild's bundle of it), then `liveprobe prepare` into a second folder. */
export async function build(t: TestContext, kind: Build): Promise<{ dist: string; prepared: string; root: string }> {
  // No spaces: source-map-support reads an ES module's file URL as a path, undecoded.
  const dir = await tempDir(`liveprobe-prepare-${kind.replaceAll(' ', '-')}-`);
  t.after(() => dir.remove());
  const dist = join(dir.path, 'dist');
  if (kind.endsWith('bundle')) {
    const esbuild = new Child(
      fromRoot('node_modules/.bin/esbuild'),
      [
        fromRoot(TS),
        '--bundle',
        '--platform=node',
        kind === 'minified ES module bundle' ? '--format=esm' : '--format=cjs',
        '--sourcemap',
        ...(kind.startsWith('minified') ? ['--minify'] : []),
        `--outfile=${join(dist, 'server.js')}`,
      ],
      { name: 'esbuild' },
    );
    assert.equal((await esbuild.exited).code, 0, esbuild.output());
  } else if (kind === 'esm') await compileTypeScript([fromRoot(TS)], { outDir: dist, module: 'es2022', moduleResolution: 'bundler' });
  else await compileTypeScript([fromRoot(TS)], { outDir: dist, module: 'commonjs' });
  if (kind === 'esm' || kind === 'minified ES module bundle') writeFileSync(join(dist, 'package.json'), '{ "type": "module" }\n');
  const prepared = join(dir.path, 'prepared');
  const result = await cli(['prepare', dist, '--out', prepared, '--json'], { server: NO_SERVER });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as { files: { path: string; outcome: string }[]; copied: number };
  assert.deepEqual(
    report.files.map((f) => [f.path, f.outcome]),
    [['server.js', 'prepared']],
  );
  assert.ok(readFileSync(join(prepared, 'server.js'), 'utf8').includes('$lpS['), 'the output has probe sites');
  return { dist, prepared, root: dir.path };
}

/** The app at `script`, with source maps on unless `env` sets NODE_OPTIONS; stopped after the test. */
export async function start(
  t: TestContext,
  script: string,
  options: { agent: false } | { broker: string; tags: string[] },
  env: Record<string, string> = {},
  module: 'esm' | 'cjs' = 'esm',
): Promise<App> {
  const app = await startApp({
    script,
    module,
    ...('broker' in options ? options : { broker: 'mqtt://127.0.0.1:9', tags: ['none'], agent: false }),
    env: { NODE_OPTIONS: '--enable-source-maps', ...env },
  });
  t.after(() => app.stop());
  return app;
}

/** A log on the line that refuses an order (its throw is the stacks' subject), for the agents tagged `prepared`. */
export function addRefusingLog(cp: ControlPlane) {
  return addAction(cp, { type: 'log', file: TS, line: lineOf(TS, 'build-refuse'), template: 'refusing {total}', tags: ['prepared'] });
}
