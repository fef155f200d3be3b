import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import CDP from 'chrome-remote-interface';
import { build } from 'esbuild';
import type { ActionStatusEvent } from '@liveprobe/protocol';
import { lineOf, otlpReceiver, sseEvents, tempDir, waitFor, type SseEvent } from '../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane } from '../agent/fixtures.js';
import { assertAttachedAdvice, attachCli, chromium, PAGE_DIR, snapshot, snapshotsOf, staticServer, WAIT } from './fixtures.js';

const CART = `${PAGE_DIR}/src/cart.ts`;
const ON_BUY = lineOf(CART, 'on-buy');

const isStatus = (actionId: string, state: string) => (event: SseEvent) =>
  event.event === 'action_status' &&
  (event.data as ActionStatusEvent).actionId === actionId &&
  (event.data as ActionStatusEvent).state === state;

/** The page's TypeScript, bundled and minified (names kept: a snapshot shows the generated names) with an external source map. */
async function builtPage(): Promise<{ dir: string; remove(): Promise<void> }> {
  const out = await tempDir('liveprobe-attach-page-');
  await build({
    entryPoints: [fromRoot(CART)],
    bundle: true,
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: true,
    outfile: join(out.path, 'bundle.js'),
    logLevel: 'silent',
  });
  await copyFile(fromRoot(`${PAGE_DIR}/index.html`), join(out.path, 'index.html'));
  return { dir: out.path, remove: () => out.remove() };
}

/** A real mouse click on the button, through CDP Input, as a user would; the page's `#out` after it. */
async function clickBuy(port: number, button = 'buy'): Promise<string> {
  const client = await CDP({ port, local: true });
  try {
    const box = await client.Runtime.evaluate({
      expression: `JSON.stringify(document.getElementById(${JSON.stringify(button)}).getBoundingClientRect())`,
      returnByValue: true,
    });
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

async function reload(port: number): Promise<void> {
  const client = await CDP({ port, local: true });
  try {
    await client.Page.enable();
    const loaded = client.Page.loadEventFired();
    await client.Page.reload({});
    await loaded;
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

test('attach --inspect to headless chromium: a snapshot, a log and a counter in a click handler, placed through the bundle’s source map, out through OpenTelemetry', async (t) => {
  const cp = await controlPlane(t);
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const page = await builtPage();
  t.after(() => page.remove());
  const url = await staticServer(t, page.dir);
  const browser = await chromium(t, url);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());

  const otel = {
    ...otlp.env('http/protobuf'),
    OTEL_SERVICE_NAME: 'shop-page',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_BLRP_SCHEDULE_DELAY: '100',
  };
  const sidecar = await attachCli(t, ['--inspect', `127.0.0.1:${browser.port}`, '--tag', 'web', '--agent-id', 'page-1'], cp, otel);
  assert.match(
    sidecar.child.output(),
    new RegExp(`attached to browser page ${url.replace(/[./]/g, '\\$&')} at ws://127\\.0\\.0\\.1:${browser.port}/devtools/page/`),
  );
  assert.match(sidecar.child.output(), /values: primitives only/);

  const snap = await addAction(cp, { type: 'snapshot', file: 'src/cart.ts', line: ON_BUY, tags: ['web'] });
  const log = await addAction(cp, {
    type: 'log',
    file: 'src/cart.ts',
    line: ON_BUY,
    template: 'buying {sku}, click {clicks}',
    tags: ['web'],
  });
  const counter = await addAction(cp, { type: 'counter', file: 'src/cart.ts', line: ON_BUY, name: 'page.buys', tags: ['web'] });
  for (const id of [log.action.id, counter.action.id]) await events.waitFor(isStatus(id, 'installed'), WAIT, `${id} installed`);
  const installed = await events.waitFor(isStatus(snap.action.id, 'installed'), WAIT, 'installed through the source map');
  assert.equal((installed.data as ActionStatusEvent).location?.line, ON_BUY);
  assert.match((installed.data as ActionStatusEvent).location?.file ?? '', /^http:\/\/127\.0\.0\.1:\d+\/.*src\/cart\.ts$/);

  // Watched over a second connection of its own, which leaves the actions above alone.
  const exception = await addAction(cp, { type: 'exception', tags: ['web'], frames: 1 });
  const watching = await events.waitFor(isStatus(exception.action.id, 'installed'), WAIT, 'the exception action installed');
  await assertAttachedAdvice(sidecar, (watching.data as ActionStatusEvent).message);

  assert.equal(await clickBuy(browser.port), 'bought tea x1', 'the page works as before');
  await events.waitFor(isStatus(snap.action.id, 'hit_limit'), WAIT, 'the snapshot');
  const [summary] = await snapshotsOf(cp, snap.action.id);
  assert.ok(summary);
  const { snapshot: captured } = await snapshot(cp, summary.id);
  const locals = Object.fromEntries(captured.locals.map((l) => [l.name, l.value]));
  assert.deepEqual(locals.sku, { t: 'string', v: 'tea' });
  assert.deepEqual(locals.clicks, { t: 'number', v: 1 });
  // A page has no node:util to tell a Proxy apart: objects are never read through (docs/attach.md).
  assert.deepEqual((captured.arguments as { name: string; value: unknown }[])[0]?.value, { t: 'proxy' });
  const stack = captured.stack as { file: string; line: number; function: string }[];
  assert.match(stack[0]?.file ?? '', /src\/cart\.ts$/, 'the stack maps back to the TypeScript source');
  assert.equal(stack[0]?.line, ON_BUY);
  const span = await otlp.waitForSpan((s) => s.attributes['liveprobe.action.id'] === snap.action.id, WAIT, 'the snapshot span');
  assert.equal(span.attributes['liveprobe.snapshot.id'], summary.id);
  const record = await otlp.waitForLog((r) => r.attributes['liveprobe.action.id'] === log.action.id, WAIT, 'the log record');
  assert.equal(record.body, 'buying tea, click 1');
  assert.equal(record.resource['service.instance.id'], 'page-1');
  assert.equal(await clickBuy(browser.port), 'bought tea x2');
  await otlp.waitForMetric((p) => p.name === 'page.buys' && p.value === 2, WAIT, 'two buys counted');

  // An error thrown out of a click handler, which only window.onerror sees: its throw site, source-mapped.
  assert.equal(await clickBuy(browser.port, 'refund'), 'bought tea x2', 'the page goes on');
  const [thrown] = await waitFor(
    async () => {
      const listed = await snapshotsOf(cp, exception.action.id);
      return listed.length > 0 ? listed : undefined;
    },
    WAIT,
    'the exception snapshot',
  );
  const { snapshot: error } = await snapshot(cp, thrown!.id);
  const location = error.location as { file: string; line: number };
  assert.deepEqual(error.exception, { type: 'RangeError', message: 'order o-7 has 2 refundable items', causes: [] });
  assert.match(location.file, /src\/cart\.ts$/);
  assert.equal(location.line, lineOf(CART, 'on-refund'));
  const values = Object.fromEntries(error.locals.map((l) => [l.name, l.value]));
  assert.deepEqual(values.order, { t: 'string', v: 'o-7' });
  assert.deepEqual(values.refundable, { t: 'number', v: 2 });

  // A reload gives the page a new global object: the sidecar injects the hook again and re-arms.
  await reload(browser.port);
  await sidecar.child.waitForLine(
    (text) => text.includes('the page loaded again; hook injected, 2 probe(s) re-armed'),
    WAIT,
    'the re-injection',
  );
  assert.equal(await clickBuy(browser.port), 'bought tea x1', 'a fresh page');
  await waitFor(() => otlp.logRecords().filter((r) => r.body === 'buying tea, click 1').length === 2, WAIT, 'the log after the reload');
  await otlp.waitForMetric((p) => p.name === 'page.buys' && p.value === 3, WAIT, 'the counter after the reload');

  assert.equal(await sidecar.detach(), 0, sidecar.child.output());
  // Before: the exception watch, winding down after the hook was removed, told it "throw-reruns", "raise-reruns" and "exceptions" over the closed connection.
  assert.doesNotMatch(sidecar.child.output(), /could not send/, 'nothing is sent to the removed hook');
  const client = await CDP({ port: browser.port, local: true });
  t.after(() => client.close());
  const left = await client.Runtime.evaluate({
    expression: `[Symbol.for('liveprobe.hook') in globalThis, '__liveprobe_send' in globalThis]`,
    returnByValue: true,
  });
  assert.deepEqual(left.result.value, [false, false], 'the hook and its binding are gone');
  assert.equal(await clickBuy(browser.port), 'bought tea x2', 'the page still works');
});
