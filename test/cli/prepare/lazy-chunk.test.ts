/**
 * An action added before an ES module prepared at build time loads (an esbuild chunk behind a
 * dynamic `import()`) goes straight onto its prepared sites when it loads. V8 reports the chunk
 * before its flags module binds the sites: the action used to take a breakpoint there, then move
 * to the site, and a loop already running when it moved ran on with neither, so hits were lost
 * (1 of 2 rows logged in the run that found it). A CommonJS file still takes the breakpoint first
 * (docs/PREPARE.md).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { cli, lineOf, sseEvents, startApp, tempDir, waitFor, type SseEvent } from '../../helpers/index.js';
import { Child, fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane, getAction } from '../../agent/fixtures.js';

const SERVER = 'test/fixtures/lazy-chunk/server.ts';
const REPORT = 'test/fixtures/lazy-chunk/report.ts';
const WAIT = 20_000;
const NO_SERVER = 'http://127.0.0.1:9';

async function preparedChunks(t: TestContext): Promise<string> {
  const dir = await tempDir('liveprobe-lazy-chunk-');
  t.after(() => dir.remove());
  const dist = join(dir.path, 'dist');
  const compiler = new Child(
    fromRoot('node_modules/.bin/esbuild'),
    [fromRoot(SERVER), '--bundle', '--platform=node', '--format=esm', '--splitting', '--sourcemap', `--outdir=${dist}`],
    { name: 'esbuild' },
  );
  assert.equal((await compiler.exited).code, 0, compiler.output());
  writeFileSync(join(dist, 'package.json'), '{ "type": "module" }\n');
  const result = await cli(['prepare', dist], { server: NO_SERVER });
  assert.equal(result.code, 0, result.stderr);
  return join(dist, 'server.js');
}

test('an action waiting for an esbuild chunk prepared at build time installs on its site when the chunk loads, and counts every hit', async (t) => {
  const script = await preparedChunks(t);
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const app = await startApp({ script, module: 'esm', broker: cp.mqttUrl, tags: ['lazy'] });
  t.after(() => app.stop());

  const line = lineOf(REPORT, 'lazy-row');
  const { action } = await addAction(cp, { type: 'log', file: REPORT, line, template: 'row {day}: {label}', tags: ['lazy'] });
  await waitFor(async () => (await getAction(cp, action.id)).statuses.some((s) => s.state === 'pending'), WAIT, 'waiting for its file');

  const response = await fetch(`${app.url}/?days=3`);
  assert.equal(((await response.json()) as unknown[]).length, 3);
  for (const day of [1, 2, 3]) {
    await events.waitFor(
      (e) => e.event === 'output' && (e.data as OutputEvent).message === `row ${day}: day ${day}`,
      WAIT,
      `the log line of day ${day}`,
    );
  }
  const statuses = events
    .events()
    .filter((e: SseEvent) => e.event === 'action_status' && (e.data as { actionId: string }).actionId === action.id);
  const installs = statuses
    .map((e) => e.data as { state: string; message?: string })
    .filter((s) => s.state === 'installed')
    .map((s) => s.message);
  assert.deepEqual(installs, ['prepared site (no breakpoint)'], 'no breakpoint before the site');
});
