/**
 * One TypeScript file bundled into several scripts, as Next.js's webpack build does: each page's
 * bundle carries its own copy of a module the pages import, and a page's bundle loads on the
 * first request to it. An action on the file's line goes into every copy loaded, and into a copy
 * that loads later; before, the action was refused (`was bundled into 2 loaded scripts: … name the
 * generated file instead`), or missed the pages loaded after it was placed. Built here by
 * webpack 5 (two entries, minified, `source-map`), run by a plain server that loads the second
 * page's bundle when asked.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, type SseEvent } from '../../helpers/index.js';
import { runWithAgent, type Running } from '../shop-builds.js';
import { GREET_RETURN, project } from '../bundled-pages.js';

async function get(running: Running, path: string): Promise<string> {
  const response = await fetch(`${running.url}${path}`);
  assert.equal(response.status, 200);
  return response.text();
}

/** The output lines of an action once `count` of them arrived. */
async function outputs(running: Running, actionId: string, count: number): Promise<string[]> {
  const of = (e: SseEvent): boolean => e.event === 'output' && (e.data as { actionId: string }).actionId === actionId;
  const lines = (): string[] =>
    running.events
      .events()
      .filter(of)
      .map((e) => (e.data as { message: string }).message);
  await running.events.waitFor((e) => of(e) && lines().length >= count, 15_000, `${count} lines of ${actionId}`);
  return lines();
}

test('a log on a file two loaded bundles hold installs in both, says so, and hits from either page', async (t) => {
  const dir = await project(t);
  const running = await runWithAgent(t, join(dir, 'server.mjs'), { EAGER_B: '1' });
  const id = await running.add({ type: 'log', file: 'src/auth.ts', line: GREET_RETURN, template: 'greeting {name}' });
  const installed = await running.status(id, 'installed');
  assert.match(installed.message ?? '', /in each of the 2 loaded scripts .*src\/auth\.ts was bundled into: .*page-a\.js, .*page-b\.js/);
  assert.deepEqual(installed.location, { file: join(dir, 'src', 'auth.ts'), line: GREET_RETURN });
  assert.equal(await get(running, '/a?name=ann'), 'a:HELLO ANN');
  assert.equal(await get(running, '/b?name=bob'), 'b:HELLO BOB');
  assert.deepEqual((await outputs(running, id, 2)).sort(), ['greeting ann', 'greeting bob']);
});

test('a page bundle that loads after the action was placed takes it too, and the first copy keeps counting', async (t) => {
  const dir = await project(t);
  const running = await runWithAgent(t, join(dir, 'server.mjs'));
  const id = await running.add({ type: 'log', file: 'src/auth.ts', line: GREET_RETURN, template: 'greeting {name}' });
  const first = await running.status(id, 'installed');
  assert.doesNotMatch(first.message ?? '', /loaded scripts/, 'one copy loaded so far');
  assert.equal(await get(running, '/a?name=ann'), 'a:HELLO ANN');
  await outputs(running, id, 1);
  assert.equal(await get(running, '/load-b'), 'loaded');
  await running.events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as { actionId: string }).actionId === id &&
      /in each of the 2 loaded scripts/.test((e.data as { message?: string }).message ?? ''),
    15_000,
    `${id} installed in both copies`,
  );
  assert.equal(await get(running, '/b?name=bob'), 'b:HELLO BOB');
  assert.equal(await get(running, '/a?name=cy'), 'a:HELLO CY');
  assert.deepEqual((await outputs(running, id, 3)).sort(), ['greeting ann', 'greeting bob', 'greeting cy']);
});

/**
 * A page's bundle loaded by the first request to the page, which then runs the copy it holds: V8
 * pauses before the new script while an action is installed in a bundled file (as while one
 * waits), so that copy takes the action before the request runs it. Before, the pause was on only
 * while an action waited: the request that loaded the page ran its copy unprobed, its hit missed.
 */
for (const esm of [false, true])
  test(`the first request to a page whose bundle (${esm ? 'an ES module, by import()' : 'CommonJS, by require'}) it loads is hit in that copy`, async (t) => {
    const dir = await project(t, esm);
    const running = await runWithAgent(t, join(dir, 'server.mjs'));
    const id = await running.add({ type: 'log', file: 'src/auth.ts', line: GREET_RETURN, template: 'greeting {name}' });
    assert.doesNotMatch((await running.status(id, 'installed')).message ?? '', /loaded scripts/, 'one copy loaded so far');
    assert.equal(await get(running, '/b?name=bob'), 'b:HELLO BOB');
    assert.deepEqual(await outputs(running, id, 1), ['greeting bob']);
    assert.equal(await get(running, '/a?name=ann'), 'a:HELLO ANN');
    assert.deepEqual((await outputs(running, id, 2)).sort(), ['greeting ann', 'greeting bob']);
  });

test('a duration on the function times each bundled copy; a tic-toc across copies says to use one', async (t) => {
  const dir = await project(t);
  const running = await runWithAgent(t, join(dir, 'server.mjs'), { EAGER_B: '1' });
  const duration = await running.add({ type: 'duration', file: 'src/auth.ts', line: GREET_RETURN, name: 'greet_seconds' });
  assert.match((await running.status(duration, 'installed')).message ?? '', /in each of the 2 loaded scripts/);
  const tictoc = await running.add({ type: 'tictoc', file: 'src/auth.ts', line: 2, toc: { line: GREET_RETURN }, name: 'greet_part' });
  assert.match(
    (await running.status(tictoc, 'error')).message ?? '',
    /was bundled into 2 loaded scripts .*a tic-toc times one copy: use a duration action on the function/,
  );
  assert.equal(await get(running, '/a?name=ann'), 'a:HELLO ANN');
  assert.equal(await get(running, '/b?name=bob'), 'b:HELLO BOB');
  assert.equal((await outputs(running, duration, 2)).length, 2);
});

/**
 * Next.js's maps also name modules no file holds (`./app/ui/search.tsx/__nextjs-internal-proxy.mjs`,
 * first in a page's map) and it builds a route named like a file into a folder beside the bundle
 * (`.next/server/app/favicon.ico/`), under `.next/package.json`. The project's folder is still the
 * one that holds the map's files: before, page B's sources were read under `dist/` and the action
 * on `src/auth.ts` was refused as matching `dist/src/auth.ts` and `src/auth.ts`.
 */
for (const { shape, edit } of [
  {
    shape: 'a module no file holds named first in its map',
    edit: async (dir: string) => {
      const path = join(dir, 'dist', 'page-b.js.map');
      const map = JSON.parse(await readFile(path, 'utf8')) as { sources: string[] };
      map.sources = map.sources.map((s) => (s.endsWith('/src/page-b.ts') ? `${s}/__nextjs-internal-proxy.mjs` : s));
      await writeFile(path, JSON.stringify(map));
    },
  },
  {
    shape: 'a folder beside the bundle named like its first source',
    edit: (dir: string) => mkdir(join(dir, 'dist', 'src', 'page-b.ts'), { recursive: true }),
  },
]) {
  test(`webpack sources are read from the project's folder with ${shape} and a package.json beside the bundles`, async (t) => {
    const dir = await project(t);
    await writeFile(join(dir, 'dist', 'package.json'), '{"type": "commonjs"}\n');
    await edit(dir);
    const running = await runWithAgent(t, join(dir, 'server.mjs'), { EAGER_B: '1' });
    const id = await running.add({ type: 'log', file: 'src/auth.ts', line: GREET_RETURN, template: 'greeting {name}' });
    const installed = await running.status(id, 'installed');
    assert.match(installed.message ?? '', /in each of the 2 loaded scripts/);
    assert.equal(await get(running, '/b?name=bob'), 'b:HELLO BOB');
    assert.deepEqual(await outputs(running, id, 1), ['greeting bob']);
  });
}

/**
 * The same bundles prepared by `liveprobe prepare`: the action goes on the prepared site of every
 * copy, including one whose file loads later. Before, the first prepared file whose map named
 * the source took the action alone, and a hit in the other page's copy was silently missed.
 */
test('bundles prepared at build time: a log goes on the prepared site of each copy, loaded before or after it', async (t) => {
  const dir = await project(t);
  const prepared = await cli(['prepare', join(dir, 'dist')], { server: 'http://127.0.0.1:9' });
  assert.equal(prepared.code, 0, prepared.stderr);
  assert.match(prepared.stdout, /^prepared 2 files/);
  const running = await runWithAgent(t, join(dir, 'server.mjs'));
  const id = await running.add({ type: 'log', file: 'src/auth.ts', line: GREET_RETURN, template: 'greeting {name}' });
  assert.equal((await running.status(id, 'installed')).message, 'prepared site (no breakpoint)');
  assert.equal(await get(running, '/a?name=ann'), 'a:HELLO ANN');
  await outputs(running, id, 1);
  assert.equal(await get(running, '/load-b'), 'loaded');
  const widened = await running.events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as { actionId: string }).actionId === id &&
      /in each of the 2 prepared files/.test((e.data as { message?: string }).message ?? ''),
    15_000,
    `${id} on both copies' sites`,
  );
  assert.match(
    (widened.data as { message: string }).message,
    /^prepared sites \(no breakpoint\); in each of the 2 prepared files .*page-a\.js, .*page-b\.js/,
  );
  assert.equal(await get(running, '/b?name=bob'), 'b:HELLO BOB');
  assert.equal(await get(running, '/a?name=cy'), 'a:HELLO CY');
  assert.deepEqual((await outputs(running, id, 3)).sort(), ['greeting ann', 'greeting bob', 'greeting cy']);
});
