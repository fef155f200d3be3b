// Exception actions on the Python agent for errors aiohttp, Tornado and Sanic answer, and for an
// error that escapes an app on granian's RSGI interface, through a real control plane, broker and
// CLI: each gives one snapshot of the frame that raised it (a raised redirect or Tornado's `Finish`
// gives nothing, nor does an error the handler catches itself); the responses are those of the app
// without the agent, and once the action goes the framework is as it was.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { cli, lineOf, sseEvents, waitFor } from '../helpers/index.js';
import { controlPlane } from '../agent/fixtures.js';
import { FIXTURES, startPythonApp } from './python-app.js';
import { answer, answeredBy, CARD, post, snapshotOf, snapshotsOf, WAIT } from './framework-app.js';

test("an aiohttp handler's error is captured whether aiohttp answers 500 (logged by aiohttp.server) or it is a raised 4xx HTTPException, not a raised redirect; the answers are unchanged and aiohttp as before once the action goes", async (t) => {
  const { reserve } = await answeredBy(t, 'aiohttp', {
    script: 'aiohttp_shop.py',
    ask: async (url) => [
      await post(`${url}/pay`, { amount: 500, card: CARD }),
      await post(`${url}/reserve`, { sku: 'tea', quantity: 5 }),
      await answer(fetch(`${url}/old`, { redirect: 'manual' })),
      await post(`${url}/pay`, { amount: 20, card: CARD }),
    ],
    statuses: [500, 409, 302, 200],
    hooks: [
      { finishIsAiohttps: true, serverLogFilters: 0 },
      { finishIsAiohttps: false, serverLogFilters: 1 },
    ],
    types: ['HTTPConflict', 'PaymentDeclined'],
  });
  assert.equal(reserve.exception!.message, 'Conflict', "aiohttp passes the reason to Exception, the text being the response's");
});

/** The status line the server answers to `bytes` sent as they are (the socket kept open: aiohttp reads a half-closed one as gone). */
function rawRequest(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    socket.once('data', (chunk) => {
      socket.destroy();
      resolve(chunk.toString().split('\r\n')[0]!);
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(''));
  });
}

test("a request aiohttp's parser refuses (a client's malformed bytes, answered 400) gives no snapshot, though aiohttp.server logs it as a handler's error", async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const app = await startPythonApp(t, { script: 'aiohttp_shop.py', broker: cp.mqttUrl, tags: ['web'], agentId: 'aiohttp-refused' });
  // No --file: the parser's frames are aiohttp's own.
  const added = await cli(['exception', 'add', '--tag', 'web'], { server: cp.url });
  assert.equal(added.code, 0, added.stdout + added.stderr);
  const actionId = /created (act_\w+)/.exec(added.stdout)![1]!;
  const refused = await rawRequest(app.url, 'POST /pay HTTP/1.1\r\nHost: shop\r\nContent-Length: abc\r\n\r\n');
  assert.match(refused, /^HTTP\/1\.[01] 400 /);
  await waitFor(() => app.output().includes('Error handling request'), WAIT, "aiohttp.server's log of the refused request");
  assert.equal((await post(`${app.url}/pay`, { amount: 500, card: CARD })).status, 500);
  await events.waitFor(snapshotOf(actionId), WAIT, "the handler's error");
  const snapshots = await snapshotsOf(cp.url, actionId);
  assert.deepEqual(
    snapshots.map((s) => s.exception?.type),
    ['PaymentDeclined'],
    "the handler's error only, not the parser's",
  );
});

test("a Tornado handler's error is captured whether Tornado answers 500 or an HTTPError's status, not a Finish; the answers are unchanged and Tornado as before once the action goes", async (t) => {
  const { reserve } = await answeredBy(t, 'tornado', {
    script: 'tornado_shop.py',
    ask: async (url) => [
      await post(`${url}/pay`, { amount: 500, card: CARD }),
      await post(`${url}/reserve`, { sku: 'tea', quantity: 5 }),
      await answer(fetch(`${url}/done`)),
      await post(`${url}/pay`, { amount: 20, card: CARD }),
    ],
    statuses: [500, 409, 200, 200],
    hooks: [{ handleIsTornados: true }, { handleIsTornados: false }],
    types: ['HTTPError', 'PaymentDeclined'],
    raisers: ['Pay.post', 'Reserve.post'],
  });
  assert.equal(reserve.exception!.message, 'tea is short by 2', "the HTTPError's log_message, as it passes no arguments to Exception");
});

test("a Sanic handler's error, in Sanic's worker process, is captured whether Sanic's default answers it (500, or a SanicException's status) or the app's handler for its class; the answers are unchanged and Sanic as before once the action goes", async (t) => {
  const { snapshots, reserve } = await answeredBy(t, 'sanic', {
    script: 'sanic_shop.py',
    ask: async (url) => [
      await post(`${url}/pay`, { amount: 500, card: CARD }),
      await post(`${url}/reserve`, { sku: 'tea', quantity: 5 }),
      await answer(fetch(`${url}/orders/7`)),
      await post(`${url}/pay`, { amount: 20, card: CARD }),
    ],
    statuses: [500, 409, 404, 200],
    hooks: [{ respondIsSanics: true }, { respondIsSanics: false }],
    types: ['OutOfStock', 'PaymentDeclined', 'SanicException'],
  });
  assert.equal(reserve.exception!.message, 'tea is short by 2', "the error the app's handler for OutOfStock answered");
  const missing = snapshots.find((s) => s.exception?.type === 'SanicException')!;
  assert.equal(missing.location.function, 'order');
  assert.equal(missing.location.line, lineOf(`${FIXTURES}/sanic_shop.py`, 'sanic-order-raise'));
});

test("under granian's RSGI interface, an error that escapes the app is captured once, from granian's log; the answers and granian's log are as without the agent once the action goes", async (t) => {
  await answeredBy(t, 'granian', {
    script: 'granian_rsgi.py',
    ask: async (url) => [await post(`${url}/pay`, { amount: 500, card: CARD }), await post(`${url}/pay`, { amount: 20, card: CARD })],
    statuses: [500, 200],
    hooks: [{ serverLogFilters: 0 }, { serverLogFilters: 1 }],
    types: ['PaymentDeclined'],
  });
});
