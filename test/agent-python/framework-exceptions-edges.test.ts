// Exception actions on the Python agent for the errors web frameworks catch away from their usual
// error handling, through a real control plane, broker and CLI: a WebSocket handler's error in
// Tornado, aiohttp, Sanic, FastAPI, Litestar, Quart, Falcon (ASGI) and Django Channels, Quart's
// `after_request` and `teardown_request` functions' errors, and the errors of an app class that
// answers them its own way (a Tornado handler's `_handle_request_exception`, a Sanic `ErrorHandler`
// subclass's `response`, never calling the framework's), each give one snapshot of the frame that
// raised it; the 404 and 405 a framework's router raises for a request no route takes give none
// (no frame of the app).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { cli, lineOf, sseEvents, waitFor } from '../helpers/index.js';
import { controlPlane, deleteAction } from '../agent/fixtures.js';
import { FIXTURES, startPythonApp } from './python-app.js';
import { type Answer, answer, CARD, find, post, snapshotOf, snapshotsOf, WAIT } from './framework-app.js';
import { webSocketMessages } from './websocket-message.js';

interface Edges {
  script: string;
  /** The fixture's probe markers' prefix. */
  framework: string;
  /** The fixture's `/hooks` without the action, and while it is desired. */
  hooks?: [unknown, unknown];
  /** The fixture's requests for the errors its own classes answer, and their answers. */
  ask?: (url: string) => Promise<Answer[]>;
  answers?: Answer[];
  /** One snapshot's error type per error the app raised, sorted. */
  types: string[];
  /** The WebSocket handler raising the error (Python's qualified name). */
  feed: string;
  /** The fixture's environment, and its probe marker of the WebSocket handler's raise when not
   * `${framework}-ws-raise`. */
  env?: Record<string, string>;
  feedMarker?: string;
}

async function edges(t: TestContext, spec: Edges) {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const agentId = [`${spec.framework}-edges`, ...Object.values(spec.env ?? {})].join('-');
  const app = await startPythonApp(t, { script: spec.script, broker: cp.mqttUrl, tags: ['web'], agentId, env: spec.env });
  const hooks = async () => (await fetch(`${app.url}/hooks`)).json();
  const before = spec.hooks && (await hooks());
  assert.deepEqual(before, spec.hooks?.[0]);
  // No --file: the router's frames are the framework's own, and would match none.
  const added = await cli(['exception', 'add', '--tag', 'web'], { server: cp.url });
  assert.equal(added.code, 0, added.stdout + added.stderr);
  assert.match(added.stdout, /: installed/);
  const actionId = /created (act_\w+)/.exec(added.stdout)![1]!;

  assert.equal((await fetch(`${app.url}/nope`)).status, 404, 'no route for the path');
  assert.equal((await fetch(`${app.url}/quote`, { method: 'POST' })).status, 405, 'no route for the method');
  const fed = await webSocketMessages(`${app.url}/feed`, ['{"celsius": 20}', '{"celsius": -300}']);
  assert.match(fed.handshake, / 101 /);
  assert.deepEqual(JSON.parse(fed.reply!), { ok: true, sensor: 'tok' }, 'the first message answered');
  if (spec.ask) assert.deepEqual(await spec.ask(app.url), spec.answers);
  assert.equal((await fetch(`${app.url}/quote`)).status, 200);

  await waitFor(async () => (await snapshotsOf(cp.url, actionId)).length >= spec.types.length, WAIT, 'the exception snapshots');
  await events.waitFor(snapshotOf(actionId), WAIT, 'an exception snapshot on the live stream');
  const snapshots = await snapshotsOf(cp.url, actionId);
  assert.deepEqual(
    snapshots.map((s) => s.exception?.type).sort(),
    spec.types,
    "one per error the app raised; none for the router's 404 and 405",
  );
  const bad = snapshots.find((s) => s.exception?.type === 'BadReading')!;
  assert.equal(bad.exception!.message, '-300 is below absolute zero');
  assert.equal(bad.location.function, spec.feed);
  assert.equal(bad.location.line, lineOf(`${FIXTURES}/${spec.script}`, spec.feedMarker ?? `${spec.framework}-ws-raise`));
  assert.ok(find(bad.locals, 'reading'), "the handler's locals");
  assert.deepEqual(find(bad.locals, 'sensor_token'), { t: 'redacted' }, 'the sensor token is redacted');

  if (spec.hooks) assert.deepEqual(await hooks(), spec.hooks[1], 'hooked while the action is desired');
  await deleteAction(cp, actionId);
  if (spec.hooks) {
    const back = JSON.stringify(before);
    await waitFor(async () => JSON.stringify(await hooks()) === back, WAIT, 'the framework as it was before the action');
  }
  return snapshots;
}

test("Tornado: a WebSocket handler's error and the error of a handler overriding _handle_request_exception are captured, one whose log_exception override calls Tornado's once; the router's 404 and 405 are not", async (t) => {
  const snapshots = await edges(t, {
    script: 'tornado_edges.py',
    framework: 'tornado',
    hooks: [
      { handleIsTornados: true, logIsTornados: true, auditHandleIsApps: true },
      { handleIsTornados: false, logIsTornados: false, auditHandleIsApps: false },
    ],
    ask: async (url) => [await post(`${url}/audit`, { event: 'login' }), await post(`${url}/ledger`, {})],
    answers: [
      { status: 503, body: '{"error": "audit is down"}' },
      { status: 500, body: '<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>' },
    ],
    types: ['AuditDown', 'BadReading', 'LedgerFull'],
    feed: 'Feed.on_message',
  });
  const audit = snapshots.find((s) => s.exception?.type === 'AuditDown')!;
  assert.equal(audit.location.function, 'Audit.post');
  assert.equal(audit.location.line, lineOf(`${FIXTURES}/tornado_edges.py`, 'tornado-audit-raise'));
});

test("aiohttp: a WebSocket handler's error is captured; the router's 404 and 405, raised through the app's middleware, are not", async (t) => {
  await edges(t, { script: 'aiohttp_edges.py', framework: 'aiohttp', types: ['BadReading'], feed: 'feed' });
});

test("Sanic: a WebSocket handler's error, and a handler's and a request middleware's errors that the app's ErrorHandler subclass answers without calling Sanic's response, are captured; the router's 404 and 405 are not", async (t) => {
  const snapshots = await edges(t, {
    script: 'sanic_edges.py',
    framework: 'sanic',
    hooks: [
      { respondIsSanics: true, logIsSanics: true, shopRespondIsApps: true },
      { respondIsSanics: false, logIsSanics: false, shopRespondIsApps: false },
    ],
    ask: async (url) => [await post(`${url}/pay`, { amount: 500, card: CARD }), await answer(fetch(`${url}/audited`))],
    answers: [
      { status: 500, body: '{"error":"PaymentDeclined"}' },
      { status: 500, body: '{"error":"AuditDown"}' },
    ],
    types: ['AuditDown', 'BadReading', 'PaymentDeclined'],
    feed: 'feed',
  });
  const declined = snapshots.find((s) => s.exception?.type === 'PaymentDeclined')!;
  assert.equal(declined.location.line, lineOf(`${FIXTURES}/sanic_edges.py`, 'sanic-edges-pay-raise'));
  assert.ok(!JSON.stringify(declined).includes(CARD), 'the card number is redacted');
  const audit = snapshots.find((s) => s.exception?.type === 'AuditDown')!;
  assert.equal(audit.location.function, 'audit');
  assert.equal(audit.location.line, lineOf(`${FIXTURES}/sanic_edges.py`, 'sanic-middleware-raise'));
});

test("FastAPI under uvicorn: a WebSocket endpoint's error is captured; Starlette's router's 404 and 405 are not", async (t) => {
  await edges(t, { script: 'fastapi_edges.py', framework: 'fastapi', types: ['BadReading'], feed: 'feed' });
});

test("Litestar under uvicorn: a WebSocket handler's error, which Litestar answers by closing the connection, is captured; Litestar's router's 404 and 405 are not", async (t) => {
  await edges(t, {
    script: 'litestar_edges.py',
    framework: 'litestar',
    hooks: [{ wsHandleIsLitestars: true }, { wsHandleIsLitestars: false }],
    types: ['BadReading'],
    feed: 'feed',
  });
});

test("Quart under hypercorn: a WebSocket handler's error, an after_request function's (Quart's 500) and a teardown_request function's (hypercorn's 500) are each captured once; werkzeug's router's 404 and 405 are not", async (t) => {
  const snapshots = await edges(t, {
    script: 'quart_edges.py',
    framework: 'quart',
    hooks: [
      { handle500IsQuarts: true, wsHandle500IsQuarts: true },
      { handle500IsQuarts: false, wsHandle500IsQuarts: false },
    ],
    ask: async (url) => [await post(`${url}/audited`, {}), await answer(fetch(`${url}/ledger`))],
    answers: [
      {
        status: 500,
        body:
          '<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n' +
          '<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n',
      },
      { status: 500, body: '' },
    ],
    types: ['AuditDown', 'BadReading', 'LedgerStuck'],
    feed: 'feed',
  });
  const audit = snapshots.find((s) => s.exception?.type === 'AuditDown')!;
  assert.equal(audit.location.function, 'audit');
  assert.equal(audit.location.line, lineOf(`${FIXTURES}/quart_edges.py`, 'quart-after-raise'));
  assert.deepEqual(find(audit.locals, 'trail'), { t: 'string', v: 'login' });
  const ledger = snapshots.find((s) => s.exception?.type === 'LedgerStuck')!;
  assert.equal(ledger.location.function, 'close_ledger');
  assert.equal(ledger.location.line, lineOf(`${FIXTURES}/quart_edges.py`, 'quart-teardown-raise'));
});

test("Falcon ASGI under uvicorn: a WebSocket responder's error is captured; Falcon's router's 404 and 405 are not", async (t) => {
  await edges(t, { script: 'falcon_edges.py', framework: 'falcon', types: ['BadReading'], feed: 'Feed.on_websocket' });
});

for (const consumer of ['async', 'sync']) {
  test(`Django Channels under daphne: a${consumer === 'async' ? 'n async' : ' sync'} WebSocket consumer's error, which escapes to daphne, is captured; Django's own 404 and 405 are not`, async (t) => {
    await edges(t, {
      script: 'channels_edges.py',
      framework: 'channels',
      env: { CONSUMER: consumer },
      types: ['BadReading'],
      feed: consumer === 'async' ? 'Feed.receive' : 'SyncFeed.receive',
      feedMarker: consumer === 'async' ? 'channels-ws-raise' : 'channels-sync-ws-raise',
    });
  });
}
