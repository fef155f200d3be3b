/**
 * A line of an Astro page's markup on the breakpoint path (the build as written, not prepared):
 * Astro compiles the markup into one `return renderTemplate\`…${price}…\`` and its map places that
 * `return` on the page's line 1, the frontmatter's `---`. V8 cannot stop inside the template, so
 * the action runs at the return, after the markup's values, in the frontmatter's scope. The status
 * must say so and name the line asked (as the prepared build does), not advise line 1: an action
 * there lands on the module's top-level code, not before the `return`. The fixture is a page chunk
 * as `astro build` (Astro 5.18, Vite) wrote it, with its map, over a stand-in of Astro's runtime.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ActionStatusView, OutputEvent } from '@liveprobe/protocol';
import { fromRoot } from '@liveprobe/harness';
import { sseEvents, startApp, waitFor } from '../helpers/index.js';
import { addAction, controlPlane, getAction } from './fixtures.js';

const WAIT = 20_000;
const PAGE = 'src/pages/product/[sku].astro';
const DIR = fromRoot('test/fixtures/astro-template');
const CHUNK = join(DIR, 'dist/server/pages/product/_sku_.astro.mjs');

test('a line of an Astro page’s markup on a breakpoint runs at the compiled `return` and says so, reported on the line asked, with no advice to use the `---` line', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const app = await startApp({
    script: join(DIR, 'dist/server/entry.mjs'),
    module: 'esm',
    broker: cp.mqttUrl,
    tags: ['astro'],
  });
  t.after(() => app.stop());
  const page = `${app.url}/product/tea?q=2`;
  const html = '<html> <head></head><body> <h1>tea x2</h1> <p>price: 8</p> </body></html>';
  assert.equal(await (await fetch(page)).text(), html, 'the page loads before the action');

  // Line 11, `<h1>{label}</h1>`: V8's stop in the `return` is at its end, which the map gives line 12.
  const { action } = await addAction(cp, { type: 'log', file: PAGE, line: 11, template: 'label {label} price {price}', tags: ['astro'] });
  const status: ActionStatusView = await waitFor(
    async () => (await getAction(cp, action.id)).statuses.find((s) => s.state === 'installed' || s.state === 'error'),
    WAIT,
    'installed',
  );
  assert.equal(status.state, 'installed', status.message);
  assert.equal(status.location?.line, 11, `reported at the line asked, as the prepared build's exit site is: ${status.message}`);
  assert.equal(
    status.message,
    `breakpoint; line 11's code is inside an expression V8 cannot stop in part-way (a compiler folded the file's lines into one statement, at line 15 of ${CHUNK}, and its map places that statement's start at line 1, where an action runs elsewhere); installed where V8 next stops in that statement, after line 11's code ran, reported at line 11: it reads the values that code computed; to read values before that statement runs, put the action on a line of the code that runs before it`,
  );

  assert.equal(await (await fetch(page)).text(), html, 'the page is the same with the action');
  const hit = await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).message.startsWith('label '), WAIT, 'line 11');
  assert.equal((hit.data as OutputEvent).message, 'label tea x2 price 8');
  assert.equal((hit.data as OutputEvent).line, 11);

  // The line the old advice named: an action there is the module's top-level code, not the `return`.
  const { action: named } = await addAction(cp, { type: 'log', file: PAGE, line: 1, template: 'top', tags: ['astro'] });
  const top: ActionStatusView = await waitFor(
    async () => (await getAction(cp, named.id)).statuses.find((s) => s.state === 'installed' || s.state === 'error'),
    WAIT,
    'line 1 installed',
  );
  assert.match(top.message ?? '', /line 1 is top-level code of its file/);
});
