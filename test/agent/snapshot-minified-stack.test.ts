/**
 * A snapshot's stack in minified code names every frame as the source does (through the
 * script's source map), not by the minifier's names, on the breakpoint path and on a prepared
 * site alike: esbuild --minify output, ES module and CommonJS; and with the prepared function in
 * a script of its own, its callers' minified script not prepared (no inspector session then).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { build } from 'esbuild';
import { fromRoot } from '@liveprobe/harness';
import { lineOf, tempDir } from '../helpers/index.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';
import { snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;
const APP = 'test/fixtures/named-calls/app.mjs';
const PRICING = 'test/fixtures/named-calls/pricing.mjs';
const NAMES = ['applyDiscount', 'priceOrder', 'handleRequest'];

interface Built {
  /** The script to run. */
  script: string;
  /** The script to prepare (LIVEPROBE_PREPARE). */
  prepared: string;
}

/** The app minified into one bundle, or (`split`) its pricing module into a script of its own that the app's bundle imports. */
async function minified(t: TestContext, format: 'esm' | 'cjs', split: boolean): Promise<Built> {
  const out = await tempDir('liveprobe-named-calls-');
  t.after(() => out.remove());
  const options = { bundle: true, platform: 'node', format, minify: true, sourcemap: true } as const;
  const script = join(out.path, format === 'esm' ? 'app.mjs' : 'app.cjs');
  if (!split) {
    await build({ ...options, entryPoints: [fromRoot(APP)], outfile: script });
    const code = await readFile(script, 'utf8');
    for (const name of NAMES) assert.ok(!code.includes(name), `the minifier renamed ${name}`);
    return { script, prepared: script };
  }
  const pricing = join(out.path, 'pricing.mjs');
  await build({ ...options, entryPoints: [fromRoot(PRICING)], outfile: pricing });
  await build({ ...options, entryPoints: [fromRoot(APP)], outfile: script, external: ['./pricing.mjs'] });
  assert.doesNotMatch(await readFile(pricing, 'utf8'), /function applyDiscount/, 'the minifier renamed applyDiscount');
  const code = await readFile(script, 'utf8');
  for (const name of NAMES.slice(1)) assert.ok(!code.includes(name), `the minifier renamed ${name}`);
  return { script, prepared: pricing };
}

const VARIANTS = [
  { format: 'esm', path: 'breakpoint', split: false },
  { format: 'esm', path: 'prepared', split: false },
  { format: 'cjs', path: 'breakpoint', split: false },
  { format: 'cjs', path: 'prepared', split: false },
  { format: 'esm', path: 'prepared', split: true },
] as const;

for (const { format, path, split } of VARIANTS) {
  const where = path === 'prepared' ? 'prepared site' : 'breakpoint';
  const name = `minified (esbuild --minify, ${format}${split ? ', the prepared module apart, its callers not prepared' : ''}), on a ${where}: each stack frame has the source's function name`;
  test(name, async (t) => {
    const { script, prepared } = await minified(t, format, split);
    const cp = await controlPlane(t);
    const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
    const shop = await app(t, {
      script,
      broker: cp.mqttUrl,
      module: format,
      env: path === 'prepared' ? { LIVEPROBE_PREPARE: prepared } : {},
    });
    const line = lineOf(PRICING, 'discount');
    const { action } = await addAction(cp, { type: 'snapshot', file: PRICING, line, tags: ['e2e'] });
    assert.match(await installed(cp, action.id), path === 'prepared' ? /^installed: prepared site/ : /^installed: breakpoint/);

    assert.equal(await (await fetch(`${shop.url}/?amount=100`)).text(), '95');
    const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot');
    const top = s.stack.slice(0, NAMES.length);
    assert.deepEqual(
      top.map((f) => f.function),
      NAMES,
      JSON.stringify(s.stack.slice(0, 5)),
    );
    assert.deepEqual(
      top.map((f) => f.file.split('/').slice(-2).join('/')),
      ['named-calls/pricing.mjs', 'named-calls/app.mjs', 'named-calls/app.mjs'],
      'each frame through the map',
    );
    assert.equal(top[0]!.line, line);
    assert.equal(s.location.function, 'applyDiscount');
  });
}
