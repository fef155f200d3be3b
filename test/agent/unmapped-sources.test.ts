/**
 * A source map can list a source and place none of its lines: Nitro (Nuxt 3) writes maps with no
 * mappings at all for every chunk rollup built from several modules (`chunks/nitro/nitro.mjs`,
 * the Vue components' chunks), and a bundler can keep none of a listed module's code. An action
 * on such a source's line was refused as if the line alone had no code (`it is past the last
 * statement, or the compiler dropped it`), which sent the user looking at the line; the refusal
 * now says that the map places no line of the file, and to name the generated file's line.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { sseEvents, tempDir } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';

const WAIT = 15_000;

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

test('an action on a source its script map lists but places no line of says so, and names the generated file; a line past the code still says that', async (t) => {
  const dir = await tempDir('liveprobe-unmapped-');
  t.after(() => dir.remove());
  /** A script of dist/ and its map, which lists `sources` and places their lines as `mappings` says. */
  const script = async (name: string, code: string, sources: string[], mappings: string): Promise<void> => {
    await write(join(dir.path, 'dist', name), `${code}//# sourceMappingURL=${name}.map\n`);
    await write(join(dir.path, 'dist', `${name}.map`), JSON.stringify({ version: 3, file: name, sources, names: [], mappings }));
  };
  // server.mjs: a map with no mappings, as Nitro writes for a chunk of several modules.
  await script(
    'server.mjs',
    `import { createServer } from 'node:http';\nimport { total } from './chunk.mjs';\nconst server = createServer((req, res) => res.end(String(total([2, 3]))));\nserver.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));\n`,
    ['../src/server.ts', '../src/routes.ts'],
    '',
  );
  // chunk.mjs: its first source mapped line by line, the second listed with none of its code kept.
  await script(
    'chunk.mjs',
    `export function total(items) {\n  let sum = 0;\n  for (const item of items) sum += item;\n  return sum;\n}\n`,
    ['../src/total.ts', '../src/unused.ts'],
    'AAAA;AACA;AACA;AACA;AACA',
  );
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: join(dir.path, 'dist/server.mjs'), broker: cp.mqttUrl, module: 'esm' });
  assert.equal(await (await fetch(shop.url)).text(), '5');

  const refusal = async (file: string, line: number): Promise<string> => {
    const { action } = await addAction(cp, { type: 'log', file, line, template: 'here', tags: ['e2e'] });
    const status = await events.waitFor(
      (e) =>
        e.event === 'action_status' &&
        (e.data as { actionId: string }).actionId === action.id &&
        (e.data as { state: string }).state === 'error',
      WAIT,
      `the refusal of ${file}:${line}`,
    );
    return (status.data as { message: string }).message;
  };
  const server = join(dir.path, 'dist/server.mjs');
  const chunk = join(dir.path, 'dist/chunk.mjs');
  const escaped = (path: string) => path.replace(/[.]/g, '\\.');
  assert.match(
    await refusal('src/routes.ts', 3),
    new RegExp(
      `^the source map of ${escaped(server)} names \\S*src/routes\\.ts but places none of its lines \\(the bundler kept none of its code, or wrote the map without positions for it\\): no line of \\S*src/routes\\.ts can be found there; put the action on the line of ${escaped(server)} itself$`,
    ),
  );
  assert.match(
    await refusal('src/unused.ts', 1),
    new RegExp(`^the source map of ${escaped(chunk)} names .*src/unused\\.ts but places none of its lines`),
  );
  assert.match(
    await refusal('src/total.ts', 9),
    /^line 9 of .*src\/total\.ts has no code in .*chunk\.mjs \(per its source map\): it is past the last statement, or the compiler dropped it$/,
  );
});
