/**
 * The shop compiled file by file by swc (`@swc/core`, the fast tsc replacement), run with the
 * agent: swc names each map's source in its own way (a path relative to the output when told
 * where the output goes, the file's absolute path when not, or a name under `sourceRoot`), and a
 * user names `src/inventory.ts:NN` all the same. Linked and inline maps, CommonJS and ES modules,
 * and the output prepared by `liveprobe prepare`.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Options, transformFile } from '@swc/core';
import { cli } from '../helpers/index.js';
import { assertProbed, RESERVE, runWithAgent, shopProject } from './shop-builds.js';

interface Compile {
  maps: 'linked' | 'inline';
  module: 'commonjs' | 'es6';
  /** How the map names its source: relative to the output (`outputPath` given), or by `sourceFileName` under `sourceRoot`. */
  naming: 'relative' | 'absolute' | 'source-root';
}

/** swc over each file of the project's `src/` into `dist/`, as `swc src -d dist` does: the entry to run. */
async function compile(project: string, { maps, module, naming }: Compile): Promise<string> {
  const out = join(project, 'dist');
  await mkdir(out);
  if (module === 'es6') await writeFile(join(project, 'package.json'), `${JSON.stringify({ name: '@acme/shop', type: 'module' })}\n`);
  for (const name of await readdir(join(project, 'src'))) {
    const js = name.replace(/\.ts$/, '.js');
    const options: Options = {
      filename: join(project, 'src', name),
      sourceMaps: maps === 'inline' ? 'inline' : true,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: module },
      ...(naming === 'relative' ? { outputPath: join(out, js) } : {}),
      // As a build in a container writes it: the sources' folder there, not on this machine.
      ...(naming === 'source-root' ? { sourceRoot: '/app/src', sourceFileName: name } : {}),
    };
    const { code, map } = await transformFile(join(project, 'src', name), options);
    if (map === undefined) {
      await writeFile(join(out, js), code);
      continue;
    }
    await writeFile(join(out, js), `${code}\n//# sourceMappingURL=${js}.map\n`);
    await writeFile(join(out, `${js}.map`), map);
  }
  return join(out, 'server.js');
}

const VARIANTS: Compile[] = [
  { maps: 'linked', module: 'commonjs', naming: 'relative' },
  { maps: 'linked', module: 'commonjs', naming: 'absolute' },
  { maps: 'inline', module: 'commonjs', naming: 'absolute' },
  { maps: 'linked', module: 'es6', naming: 'relative' },
];

for (const variant of VARIANTS) {
  test(`swc (${variant.maps} maps, ${variant.module}, sources named ${variant.naming}): a log, a snapshot and a counter on src/inventory.ts install there and report the TypeScript's names and lines`, async (t) => {
    const project = await shopProject(t);
    await assertProbed(await runWithAgent(t, await compile(project, variant)), project);
  });
}

for (const prepared of [false, true])
  test(`swc with a sourceRoot of the build machine (/app/src)${prepared ? ', prepared by `liveprobe prepare`' : ''}: src/inventory.ts is matched by the map’s path for it, and the status names it as the action does`, async (t) => {
    const project = await shopProject(t);
    const script = await compile(project, { maps: 'linked', module: 'commonjs', naming: 'source-root' });
    if (prepared) assert.equal((await cli(['prepare', join(project, 'dist')], { server: 'http://127.0.0.1:9' })).code, 0);
    const running = await runWithAgent(t, script);
    const id = await running.add({ type: 'log', file: 'src/inventory.ts', line: RESERVE, template: 'reserving {quantity}' });
    const installed = await running.status(id, 'installed');
    // /app/src/inventory.ts is no path on this machine.
    assert.deepEqual(installed.location, { file: 'src/inventory.ts', line: RESERVE });
    assert.match(installed.message ?? '', prepared ? /^prepared site/ : /^breakpoint/);
    await running.checkout(2);
    assert.equal(await running.output(id), 'reserving 2');
  });

test('swc output prepared by `liveprobe prepare` takes the actions on prepared sites', async (t) => {
  const project = await shopProject(t);
  const script = await compile(project, { maps: 'linked', module: 'commonjs', naming: 'relative' });
  const prepared = await cli(['prepare', join(project, 'dist')], { server: 'http://127.0.0.1:9' });
  assert.equal(prepared.code, 0, prepared.stderr);
  assert.match(prepared.stdout, /^prepared 2 files/);
  await assertProbed(await runWithAgent(t, script), project, { where: /^prepared site/ });
});
