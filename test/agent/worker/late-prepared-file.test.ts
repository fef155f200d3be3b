/**
 * An action that waits for its file, which then loads prepared (a route's chunk imported on its
 * first request, as SvelteKit and Nitro load theirs) with no prepared site at the action's line:
 * a minifier merged the line into another's statement. The action was left waiting for the file's
 * sites forever, its status still saying no loaded script held the file, while the same action
 * added after the load took breakpoints.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { cli, lineOf, sseEvents, tempDir } from '../../helpers/index.js';
import { addAction, app, controlPlane } from '../fixtures.js';

const WAIT = 15_000;

const ROUTE = [
  'export function enter(word: string, allowed: Set<string>): boolean {',
  '  const valid = allowed.has(word); // probe: merged',
  '  if (!valid) return false;',
  '  return word.length > 3;',
  '}',
  '',
].join('\n');

const SERVER = `import { createServer } from 'node:http';
const server = createServer(async (req, res) => {
  const { enter } = await import('./route.mjs');
  res.end(String(enter(req.url.slice(1), new Set(['hello', 'tea']))));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;

test('an action waiting for a file that loads prepared, with no prepared site at its line, takes breakpoints there', async (t) => {
  const dir = await tempDir('liveprobe-late-prepared-');
  t.after(() => dir.remove());
  const source = join(dir.path, 'src', 'route.ts');
  await mkdir(join(dir.path, 'src'));
  await writeFile(source, ROUTE);
  await build({
    entryPoints: [source],
    format: 'esm',
    minify: true,
    sourcemap: 'linked',
    outfile: join(dir.path, 'dist', 'route.mjs'),
    logLevel: 'silent',
  });
  await writeFile(join(dir.path, 'dist', 'server.mjs'), SERVER);
  const prepared = await cli(['prepare', join(dir.path, 'dist')], { server: 'http://127.0.0.1:9' });
  assert.equal(prepared.code, 0, prepared.stderr);

  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: join(dir.path, 'dist', 'server.mjs'), broker: cp.mqttUrl, module: 'esm' });
  const line = lineOf(source, 'merged');
  const { action } = await addAction(cp, { type: 'log', file: 'src/route.ts', line, template: 'word {word}', tags: ['e2e'] });
  const status = (state: string) =>
    events.waitFor(
      (e) =>
        e.event === 'action_status' &&
        (e.data as { actionId: string; state: string }).actionId === action.id &&
        (e.data as { state: string }).state === state,
      WAIT,
      `${action.id} ${state}`,
    );
  await status('pending');
  assert.equal(await (await fetch(`${shop.url}/tea`)).text(), 'false');
  const installed = (await status('installed')).data as { message: string; location: { file: string; line: number } };
  assert.match(installed.message, /^breakpoint \(not on prepared sites: line \d+ of \S+route\.ts has no prepared site\)/);
  assert.equal(installed.location.file, source);
  assert.equal(await (await fetch(`${shop.url}/hello`)).text(), 'true');
  const output = await events.waitFor(
    (e) => e.event === 'output' && (e.data as { actionId: string; message: string }).message === 'word hello',
    WAIT,
    'the line’s output',
  );
  assert.equal((output.data as { actionId: string }).actionId, action.id);
});
