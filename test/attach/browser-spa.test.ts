import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import CDP from 'chrome-remote-interface';
import { build } from 'esbuild';
import type { ActionStatusEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, tempDir, type SseEvent, type SseStream } from '../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
import { addAction, controlPlane, deleteAction } from '../agent/fixtures.js';
import { attachCli, chromium, staticServer, WAIT } from './fixtures.js';

const SPA_DIR = 'test/fixtures/attach-spa';
const REPORT = `${SPA_DIR}/src/routes/report.ts`;
const CHART = `${SPA_DIR}/src/routes/chart.ts`;

/** The app as Vite builds it for production: an ES module entry, one chunk per route, minified, external source maps. */
async function builtApp(t: TestContext): Promise<string> {
  const out = await tempDir('liveprobe-attach-spa-');
  t.after(() => out.remove());
  await build({
    entryPoints: [fromRoot(`${SPA_DIR}/src/main.ts`)],
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    sourcemap: true,
    outdir: out.path,
    chunkNames: 'assets/[name]-[hash]',
    logLevel: 'silent',
  });
  await copyFile(fromRoot(`${SPA_DIR}/index.html`), join(out.path, 'index.html'));
  return out.path;
}

/** A click through the page's Runtime, as the app's own code would see one; the page's `#out` once it changed. */
async function open(port: number, route: 'report' | 'chart'): Promise<string> {
  const client = await CDP({ port, local: true });
  try {
    const reply = await client.Runtime.evaluate({
      expression: `new Promise((resolve) => {
        const out = document.getElementById('out');
        const before = out.textContent;
        new MutationObserver(() => resolve(out.textContent)).observe(out, { childList: true, characterData: true, subtree: true });
        document.getElementById(${JSON.stringify(route)}).click();
        if (out.textContent !== before) resolve(out.textContent);
      })`,
      awaitPromise: true,
      returnByValue: true,
    });
    return reply.result.value as string;
  } finally {
    await client.close();
  }
}

/** Loads `url` (or reloads the page) and waits for its load event. */
async function load(port: number, url?: string): Promise<void> {
  const client = await CDP({ port, local: true });
  try {
    await client.Page.enable();
    const loaded = client.Page.loadEventFired();
    if (url === undefined) await client.Page.reload({});
    else await client.Page.navigate({ url });
    await loaded;
  } finally {
    await client.close();
  }
}

function statusesOf(events: SseStream, actionId: string): ActionStatusEvent[] {
  return events
    .events()
    .filter((e) => e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === actionId)
    .map((e) => e.data as ActionStatusEvent);
}

const isStatus = (actionId: string, state: string) => (event: SseEvent) =>
  event.event === 'action_status' &&
  (event.data as ActionStatusEvent).actionId === actionId &&
  (event.data as ActionStatusEvent).state === state;

const isOutput = (actionId: string, message: string) => (event: SseEvent) =>
  event.event === 'output' &&
  (event.data as { actionId: string }).actionId === actionId &&
  (event.data as { message: string }).message === message;

test('attach to a single-page app: a route chunk the page loaded before a reload or a navigation is not there until the route opens again; an action on it waits for it, then installs, and says once that it waits', async (t) => {
  const cp = await controlPlane(t);
  const url = await staticServer(t, await builtApp(t));
  const browser = await chromium(t, url);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const sidecar = await attachCli(t, ['--inspect', `127.0.0.1:${browser.port}`, '--tag', 'spa', '--agent-id', 'spa-1'], cp);

  // Both routes' chunks load in this page, and an action on one of them opens the debugger session.
  assert.equal(await open(browser.port, 'report'), 'report of 3 rows, visit 1');
  assert.equal(await open(browser.port, 'chart'), 'chart of 3 bars, visit 2');
  const first = await addAction(cp, {
    type: 'log',
    file: 'src/routes/chart.ts',
    line: lineOf(CHART, 'chart-render'),
    template: 'first {bars}',
    tags: ['spa'],
  });
  await events.waitFor(isStatus(first.action.id, 'installed'), WAIT, 'an action on a loaded chunk installed');

  // A name the minifier inlined (`shown`), and a global of the page: neither is a variable there, and a page's global object is not read.
  for (const name of ['shown', 'innerWidth']) {
    const action = await addAction(cp, {
      type: 'log',
      file: 'src/routes/chart.ts',
      line: lineOf(CHART, 'chart-render'),
      template: `{${name}}`,
      tags: ['spa'],
    });
    await events.waitFor(isStatus(action.action.id, 'installed'), WAIT, `the {${name}} action installed`);
    await open(browser.port, 'chart');
    const failed = await events.waitFor(isStatus(action.action.id, 'error'), WAIT, `the {${name}} action failing at its hit`);
    // Before: "`shown` is a getter of the global object; liveprobe never runs getters".
    assert.match(
      (failed.data as ActionStatusEvent).message ?? '',
      new RegExp(
        `^\\\`${name}\\\` is not a variable at this line \\(a minifier may have inlined or dropped it.*a page's global object is not read`,
      ),
    );
  }

  const variants: {
    how: string;
    go: () => Promise<void>;
    file: string;
    line: number;
    route: 'report' | 'chart';
    other: 'report' | 'chart';
    expected: string;
  }[] = [
    {
      how: 'a reload',
      go: () => load(browser.port),
      file: 'src/routes/report.ts',
      line: lineOf(REPORT, 'report-render'),
      route: 'report',
      other: 'chart',
      expected: 'report of 9 rows, visit 3',
    },
    {
      how: 'a navigation',
      go: () => load(browser.port, `${url}?next`),
      file: 'src/routes/chart.ts',
      line: lineOf(CHART, 'chart-render'),
      route: 'chart',
      other: 'report',
      expected: 'chart of 4 bars, visit 3',
    },
  ];
  for (const { how, go, file, line, route, other, expected } of variants) {
    await go();
    const action = await addAction(cp, { type: 'log', file, line, template: `${how}: {title}`, tags: ['spa'] });
    const waiting = await events.waitFor(
      (e) => e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === action.action.id,
      WAIT,
      `the first status after ${how}`,
    );
    // Before: the chunk of the page before was taken for loaded, and the action refused ("no code V8 can stop at").
    assert.equal((waiting.data as ActionStatusEvent).state, 'pending', `after ${how}: ${JSON.stringify(waiting.data)}`);
    assert.match(
      (waiting.data as ActionStatusEvent).message ?? '',
      new RegExp(`no loaded script matches \`${file.replace(/[./]/g, '\\$&')}\``),
    );

    // Another route's chunk, with its source map, loads first: nothing changed for the waiting action.
    await open(browser.port, other);
    await open(browser.port, route);
    await events.waitFor(isStatus(action.action.id, 'installed'), WAIT, `installed once its chunk loaded after ${how}`);
    assert.equal(await open(browser.port, route), expected, 'the app works as before');
    await events.waitFor(isOutput(action.action.id, `${how}: ${expected}`), WAIT, `the log line after ${how}`);
    const pending = statusesOf(events, action.action.id).filter((s) => s.state === 'pending');
    // Before: restated each time a script with a source map loaded in vain.
    assert.equal(pending.length, 1, `one pending status after ${how}: ${JSON.stringify(pending)}`);
    assert.ok(!statusesOf(events, action.action.id).some((s) => s.state === 'error'), JSON.stringify(statusesOf(events, action.action.id)));
  }
  // The exception watch's own connection closes with its last action: its last words to the hook (disarm every capture) reach it first.
  const exception = await addAction(cp, { type: 'exception', tags: ['spa'] });
  await events.waitFor(isStatus(exception.action.id, 'installed'), WAIT, 'the exception action installed');
  await deleteAction(cp, exception.action.id);
  await events.waitFor(isStatus(exception.action.id, 'removed'), WAIT, 'the exception action removed');
  assert.equal(await open(browser.port, 'report'), 'report of 12 rows, visit 4', 'the app works as before');
  // Before: "could not send throw-reruns / raise-reruns / exceptions to the injected hook: WebSocket connection closed".
  assert.doesNotMatch(sidecar.child.output(), /could not send/);
});
