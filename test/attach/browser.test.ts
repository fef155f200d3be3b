import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import CDP from 'chrome-remote-interface';
import { build } from 'esbuild';
import type { ActionStatusEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, tempDir, type SseEvent } from '../helpers/index.js';
import { fromRoot } from '../helpers/paths.js';
import { addAction, controlPlane } from '../agent/fixtures.js';
import { attachCli, chromium, PAGE_DIR, snapshot, snapshotsOf, staticServer, WAIT } from './fixtures.js';

const CART = `${PAGE_DIR}/src/cart.ts`;
const ON_BUY = lineOf(CART, 'on-buy');

const isStatus = (actionId: string, state: string) => (event: SseEvent) =>
  event.event === 'action_status' && (event.data as ActionStatusEvent).actionId === actionId && (event.data as ActionStatusEvent).state === state;

/** The page's TypeScript, bundled and minified (names kept: a snapshot shows the generated names) with an external source map. */
async function builtPage(): Promise<{ dir: string; remove(): Promise<void> }> {
  const out = await tempDir('liveprobe-attach-page-');
  await build({ entryPoints: [fromRoot(CART)], bundle: true, minifyWhitespace: true, minifySyntax: true, sourcemap: true, outfile: join(out.path, 'bundle.js'), logLevel: 'silent' });
  await copyFile(fromRoot(`${PAGE_DIR}/index.html`), join(out.path, 'index.html'));
  return { dir: out.path, remove: () => out.remove() };
}

/** A real mouse click on the button, through CDP Input, as a user would. */
async function clickBuy(port: number): Promise<string> {
  const client = await CDP({ port, local: true });
  try {
    const box = await client.Runtime.evaluate({ expression: 'JSON.stringify(document.getElementById("buy").getBoundingClientRect())', returnByValue: true });
    const { x, y, width, height } = JSON.parse(box.result.value as string) as DOMRectLike;
    for (const type of ['mousePressed', 'mouseReleased'] as const) {
      await client.Input.dispatchMouseEvent({ type, x: x + width / 2, y: y + height / 2, button: 'left', clickCount: 1 });
    }
    const text = await client.Runtime.evaluate({ expression: 'document.getElementById("out").textContent', returnByValue: true });
    return text.result.value as string;
  } finally {
    await client.close();
  }
}

interface DOMRectLike {
  x: number;
  y: number;
  width: number;
  height: number;
}

test('attach --inspect to headless chromium: a snapshot in a click handler, placed through the bundle’s source map', async (t) => {
  const T0 = Date.now(); const mark = (m: string) => console.error('MARK', Date.now() - T0, m);
  const cp = await controlPlane(t);
  mark('const cp = await controlPlane(t);');
  const page = await builtPage();
  mark('const page = await builtPage();');
  t.after(() => page.remove());
  mark('t.after(() => page.remove());');
  const url = await staticServer(t, page.dir);
  mark('const url = await staticServer(t, page.d');
  const browser = await chromium(t, url);
  mark('const browser = await chromium(t, url);');
  const events = await sseEvents(cp.url);
  mark('const events = await sseEvents(cp.url);');
  t.after(() => events.close());
  mark('t.after(() => events.close());');

  const sidecar = await attachCli(t, ['--inspect', `127.0.0.1:${browser.port}`, '--tag', 'web', '--agent-id', 'page-1'], cp);
  mark("const sidecar = await attachCli(t, ['--i");
  assert.match(sidecar.child.output(), new RegExp(`attached to browser page ${url.replace(/[./]/g, '\\$&')} at ws://127\\.0\\.0\\.1:${browser.port}/devtools/page/`));
  mark('assert.match(sidecar.child.output(), new');
  assert.match(sidecar.child.output(), /values: primitives only/);
  mark('assert.match(sidecar.child.output(), /va');

  const snap = await addAction(cp, { type: 'snapshot', file: 'src/cart.ts', line: ON_BUY, tags: ['web'] });
  mark('const snap = await addAction(cp, { type:');
  const installed = await events.waitFor(isStatus(snap.action.id, 'installed'), WAIT, 'installed through the source map');
  mark('const installed = await events.waitFor(i');
  assert.equal((installed.data as ActionStatusEvent).location?.line, ON_BUY);
  mark('assert.equal((installed.data as ActionSt');
  assert.match((installed.data as ActionStatusEvent).location?.file ?? '', /^http:\/\/127\.0\.0\.1:\d+\/.*src\/cart\.ts$/);
  mark('assert.match((installed.data as ActionSt');

  assert.equal(await clickBuy(browser.port), 'bought tea x1', 'the page works as before');
  mark('assert.equal(await clickBuy(browser.port');
  await events.waitFor(isStatus(snap.action.id, 'hit_limit'), WAIT, 'the snapshot');
  mark('await events.waitFor(isStatus(snap.actio');
  const [summary] = await snapshotsOf(cp, snap.action.id);
  mark('const [summary] = await snapshotsOf(cp, ');
  assert.ok(summary);
  mark('assert.ok(summary);');
  const { snapshot: captured } = await snapshot(cp, summary.id);
  mark('const { snapshot: captured } = await sna');
  const locals = Object.fromEntries(captured.locals.map((l) => [l.name, l.value]));
  mark('const locals = Object.fromEntries(captur');
  assert.deepEqual(locals.sku, { t: 'string', v: 'tea' });
  mark("assert.deepEqual(locals.sku, { t: 'strin");
  assert.deepEqual(locals.clicks, { t: 'number', v: 1 });
  mark("assert.deepEqual(locals.clicks, { t: 'nu");
  // A page has no node:util to tell a Proxy apart: objects are never read through (docs/attach.md).
  assert.deepEqual((captured.arguments as { name: string; value: unknown }[])[0]?.value, { t: 'proxy' });
  mark('assert.deepEqual((captured.arguments as ');
  const stack = captured.stack as { file: string; line: number; function: string }[];
  mark('const stack = captured.stack as { file: ');
  assert.match(stack[0]?.file ?? '', /src\/cart\.ts$/, 'the stack maps back to the TypeScript source');
  mark("assert.match(stack[0]?.file ?? '', /src\\");
  assert.equal(stack[0]?.line, ON_BUY);
  mark('assert.equal(stack[0]?.line, ON_BUY);');

  assert.equal(await sidecar.detach(), 0, sidecar.child.output());
  mark('assert.equal(await sidecar.detach(), 0, ');
  const client = await CDP({ port: browser.port, local: true });
  mark('const client = await CDP({ port: browser');
  t.after(() => client.close());
  mark('t.after(() => client.close());');
  const left = await client.Runtime.evaluate({ expression: `[Symbol.for('liveprobe.hook') in globalThis, '__liveprobe_send' in globalThis]`, returnByValue: true });
  mark('const left = await client.Runtime.evalua');
  assert.deepEqual(left.result.value, [false, false], 'the hook and its binding are gone');
  mark('assert.deepEqual(left.result.value, [fal');
  assert.equal(await clickBuy(browser.port), 'bought tea x2', 'the page still works');
  mark('assert.equal(await clickBuy(browser.port');
});
