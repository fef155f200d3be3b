/**
 * On Node 20, 22 and 24 (the tests' Node and the pinned binaries, node-binaries.ts): the agent,
 * idle in an app that never used fetch or TLS, has not loaded undici, HTTP/2 or TLS (on Node 22
 * and 24 reading a lazy global's descriptor, or ES-importing node:http, would; mqtt's own connect
 * loads TLS and WebSockets for an mqtt:// broker), yet a log action still
 * reads `request.method` on a real fetch Request once the app uses fetch, and still refuses the
 * getter of a Request class the app put on the global before Node loaded its own. The app's
 * stderr holds no warning caused by the agent (mqtt given the broker URL would print url.parse's
 * deprecation on Node 24).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, startApp, waitFor, type App, type ControlPlane } from '../helpers/index.js';
import { addAction, controlPlane, installed } from '../agent/fixtures.js';
import { nodeBinary, PINNED_MAJORS, testsMajor } from './node-binaries.js';

const WAIT = 20_000;
const APP = 'test/fixtures/fetch-request.cjs';
const MAJORS = [testsMajor, ...PINNED_MAJORS.filter((major) => major !== testsMajor)];

interface Modules {
  loaded: string[];
  getterReads: number;
}
const modules = async (app: App): Promise<Modules> => (await (await fetch(`${app.url}/modules`)).json()) as Modules;

async function startOn(t: TestContext, cp: ControlPlane, major: number, tag: string, env: Record<string, string> = {}): Promise<App> {
  const node = major === testsMajor ? process.execPath : nodeBinary(major as (typeof PINNED_MAJORS)[number]);
  const app = await startApp({ script: APP, broker: cp.mqttUrl, tags: [tag], module: 'esm', node, agentId: `${tag}-agent`, env });
  t.after(() => app.stop());
  return app;
}

/** The log line of `template` at the request line, after one call of /request. */
async function logLine(cp: ControlPlane, app: App, tag: string, template: string): Promise<OutputEvent> {
  const events = await sseEvents(cp.url);
  try {
    const { action } = await addAction(cp, { type: 'log', file: APP, line: lineOf(APP, 'request-line'), template, tags: [tag] });
    assert.match(await installed(cp, action.id), /^installed/);
    const answer = await (await fetch(`${app.url}/request`)).text();
    assert.match(answer, /handled text\/plain/);
    const line = await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).actionId === action.id, WAIT, 'the log line');
    return line.data as OutputEvent;
  } finally {
    events.close();
  }
}

/** What the app wrote to stderr, less the agent's own `[liveprobe]` lines (which go to stderr by design). */
const foreignStderr = (app: App): string[] =>
  app
    .output()
    .split('\n')
    .filter((line) => /warning|deprecat|\(node:\d+\)/i.test(line) && !line.includes('[liveprobe]'));

for (const major of MAJORS) {
  test(`on Node ${major}, the idle agent loads no undici, HTTP/2, TLS or crypto, a log reads request.method on a real fetch Request, and stderr holds no warning`, async (t) => {
    const cp = await controlPlane(t);
    const tag = `lazy${major}`;
    const app = await startOn(t, cp, major, tag);
    await waitFor(async () => app.output().includes('connected to'), WAIT, "the agent's broker link connected");
    const idle = await modules(app);
    assert.deepEqual(
      idle.loaded,
      [],
      'the agent loaded none of fetch, HTTP/2, TLS (its broker is mqtt://) or crypto (OpenSSL: ~4 MiB on Node 24)',
    );

    const line = await logLine(cp, app, tag, 'method={request.method} url={request.url}');
    assert.equal(line.message, 'method=PUT url=http://shop.internal/orders/7');
    assert.ok(
      (await modules(app)).loaded.some((m) => m.includes('undici')),
      'the app loaded fetch itself',
    );
    assert.deepEqual(foreignStderr(app), [], 'no warning in the app’s output');
  });

  test(`on Node ${major}, a Request class the app put on the global before fetch loaded keeps its getter unrun`, async (t) => {
    const cp = await controlPlane(t);
    const tag = `replaced${major}`;
    const app = await startOn(t, cp, major, tag, { REPLACE_REQUEST: '1' });
    const line = await logLine(cp, app, tag, 'method={request.method}');
    assert.doesNotMatch(line.message, /app-getter/, 'the app’s getter did not run for the log');
    // The handler itself read it once; the agent never did.
    assert.equal((await modules(app)).getterReads, 1);
  });
}
