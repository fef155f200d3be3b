/**
 * A compiled template's lines inside a `return`: Astro compiles a page's markup into one
 * `return renderTemplate\`…${price}…\`` and its map sends each markup line to a column of that
 * generated line, where V8 has no break location before the return position. Prepared at build
 * time, such a line had no site and took a breakpoint: while the page's sites were armed its
 * prepared copy ran, where V8 moved the breakpoint into a closure of the exit site's arguments
 * (no hit ever), and otherwise the original body's stop, at the return inside the exception
 * wrapper's `try`, saw none of the body's `const`s. The line now takes that return's exit site,
 * which runs where the breakpoint stops, after the value, in the same scope. The fixture is a page
 * chunk as `astro build` (Astro 5.18, Vite) wrote it, with its map, over a stand-in of Astro's runtime.
 */
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ActionStatusView, OutputEvent } from '@liveprobe/protocol';
import { cli, sseEvents, startApp, tempDir, waitFor } from '../../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane, getAction } from '../../agent/fixtures.js';

const WAIT = 20_000;
const NO_SERVER = 'http://127.0.0.1:9';
const PAGE = 'src/pages/product/[sku].astro';

test('a line of an Astro page’s markup, inside its compiled `return`, takes the return’s exit site in a prepared build: the values a breakpoint reads unprepared', async (t) => {
  const dir = await tempDir('liveprobe-astro-template-');
  t.after(() => dir.remove());
  cpSync(fromRoot('test/fixtures/astro-template'), dir.path, { recursive: true });
  const prepared = await cli(['prepare', join(dir.path, 'dist'), '--out', join(dir.path, 'prepared')], { server: NO_SERVER });
  assert.equal(prepared.code, 0, prepared.stderr);

  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const app = await startApp({ script: join(dir.path, 'prepared/server/entry.mjs'), module: 'esm', broker: cp.mqttUrl, tags: ['astro'] });
  t.after(() => app.stop());
  const page = `${app.url}/product/tea?q=2`;
  const html = '<html> <head></head><body> <h1>tea x2</h1> <p>price: 8</p> </body></html>';
  assert.equal(await (await fetch(page)).text(), html, 'the page loads before the actions');

  const installed = async (id: string): Promise<ActionStatusView> =>
    waitFor(
      async () => (await getAction(cp, id)).statuses.find((s) => s.state === 'installed' || s.state === 'error'),
      WAIT,
      `${id} installed`,
    );
  // Line 7's statement has a site: armed, it makes the page's prepared copy run (as line 12's exit site does).
  const { action: statement } = await addAction(cp, { type: 'log', file: PAGE, line: 7, template: 'label of {sku}', tags: ['astro'] });
  assert.equal((await installed(statement.id)).message, 'prepared site (no breakpoint)');
  // Line 12, `<p>price: {price}</p>`, is inside the return's template.
  const { action: markup } = await addAction(cp, {
    type: 'log',
    file: PAGE,
    line: 12,
    template: 'price {price} for {label}',
    tags: ['astro'],
  });
  const status = await installed(markup.id);
  assert.equal(status.message, 'prepared site (no breakpoint)', status.message);
  assert.equal(status.location?.line, 12, 'reported on the line asked, not where the map sends the return');

  assert.equal(await (await fetch(page)).text(), html, 'the page is the same with the actions');
  await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message === 'label of tea', WAIT, 'line 7');
  const hit = await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message.startsWith('price '), WAIT, 'line 12');
  assert.equal((hit.data as OutputEvent).message, 'price 8 for tea x2');
  assert.equal((hit.data as OutputEvent).line, 12);
});
