/**
 * `duration` by `Class.method` on a TypeScript app built two ways: an esbuild bundle (classes
 * become `var PriceCalculator = class`, a colliding one is renamed `PriceCalculator2`, the
 * written name kept in the map's `names`) and tsc output. Only the named file's method counts.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { build } from 'esbuild';
import { compileTypeScript, otlpReceiver, startApp, tempDir, waitFor } from '../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane, getAction } from './fixtures.js';

const WAIT = 20_000;
const SOURCES = 'test/fixtures/bundled/src';

async function esbuildOutput(dir: string): Promise<string> {
  const out = join(dir, 'server.mjs');
  await build({
    entryPoints: [fromRoot(`${SOURCES}/server.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    sourcemap: true,
    outfile: out,
  });
  return out;
}

async function tscOutput(dir: string): Promise<string> {
  const files = ['server.ts', 'pricing.ts', 'legacy.ts'].map((f) => fromRoot(`${SOURCES}/${f}`));
  await compileTypeScript(files, { outDir: dir, rootDir: fromRoot(SOURCES), module: 'nodenext' });
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  return join(dir, 'server.js');
}

async function measure(t: TestContext, built: (dir: string) => Promise<string>): Promise<void> {
  const dir = await tempDir('liveprobe-bundled-');
  t.after(() => dir.remove());
  const script = await built(dir.path);
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const service = await startApp({ script, broker: cp.mqttUrl, tags: ['e2e'], module: 'esm', env: otlp.env('http/protobuf') });
  t.after(() => service.stop());
  const { action } = await addAction(cp, {
    type: 'duration',
    file: `${SOURCES}/pricing.ts`,
    function: 'PriceCalculator.total',
    name: 'bundled.total',
    tags: ['e2e'],
  });
  let message = '';
  await waitFor(
    async () => {
      const status = (await getAction(cp, action.id)).statuses.find((s) => s.state === 'installed' || s.state === 'error');
      message = `${status?.state}: ${status?.message}`;
      return status !== undefined;
    },
    WAIT,
    'a status',
  );
  assert.match(message, /^installed: /);
  for (let i = 0; i < 3; i++) assert.equal(await (await fetch(service.url)).text(), '7.2');
  const point = await otlp.waitForMetric((p) => p.name === 'bundled.total' && p.count === 3, WAIT, 'three calls measured');
  assert.match(String(point.attributes['code.file.path']), /bundled\/src\/pricing\.ts$/, 'the method of pricing.ts, not legacy.ts');
  assert.equal(point.attributes['code.function.name'], 'total');
}

test('duration with function "PriceCalculator.total" measures that method in an esbuild bundle', (t) => measure(t, esbuildOutput));
test('duration with function "PriceCalculator.total" measures that method in tsc output', (t) => measure(t, tscOutput));
