// Exception actions on the Python agent for errors Litestar, Quart and Falcon (ASGI) answer, under
// ASGI servers, through a real control plane, broker and CLI: each gives one snapshot of the frame
// that raised it, sync and async handlers alike (a raised redirect gives nothing, nor does an error
// the handler catches itself, nor the 404 or 405 the router raises itself for a request no route
// takes); the responses are those of the app without the agent, and once the action goes the
// framework is as it was. The WSGI frameworks: framework-exceptions-wsgi.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answeredBy, falconAnswered, orderAt, shopRequests } from './framework-app.js';

test("a Litestar handler's error, async or sync (in Litestar's thread), is captured whether Litestar answers 500, the app's exception handler for its class answers it or it is a raised HTTPException, not the router's 404 and 405; the answers are unchanged and Litestar as before once the action goes", async (t) => {
  const { snapshots, reserve } = await answeredBy(t, 'litestar', {
    script: 'litestar_shop.py',
    anyFile: true,
    ask: (url) => shopRequests(url, { redirect: false }),
    statuses: [404, 405, 500, 409, 404, 200],
    hooks: [{ handleIsLitestars: true }, { handleIsLitestars: false }],
    types: ['NotFoundException', 'OutOfStock', 'PaymentDeclined'],
  });
  assert.equal(reserve.exception!.message, 'tea is short by 2');
  assert.equal(orderAt(snapshots, 'NotFoundException', 'litestar_shop.py', 'litestar-order-raise').exception!.message, '404: no order 7');
});

test("a Quart view's error, async or sync (in Quart's thread pool), is captured whether Quart answers 500, the app's error handler for its class answers it or it is a raised werkzeug HTTPException, not a raised redirect nor the router's 404 and 405; the answers are unchanged and Quart as before once the action goes", async (t) => {
  const { snapshots, reserve } = await answeredBy(t, 'quart', {
    script: 'quart_shop.py',
    anyFile: true,
    ask: (url) => shopRequests(url, { reserve: 'query' }),
    statuses: [404, 405, 500, 409, 404, 308, 200],
    hooks: [{ handleIsQuarts: true }, { handleIsQuarts: false }],
    types: ['NotFound', 'OutOfStock', 'PaymentDeclined'],
  });
  assert.equal(reserve.exception!.message, 'tea is short by 2');
  orderAt(snapshots, 'NotFound', 'quart_shop.py', 'quart-order-raise');
});

test("a Falcon ASGI responder's error is captured whether Falcon answers 500, the app's error handler for its class answers it or it is a raised HTTPError, not a raised redirect nor the router's 404 and 405; the answers are unchanged and Falcon as before once the action goes", async (t) => {
  await falconAnswered(t, 'falcon-asgi', { INTERFACE: 'asgi' }, 'Async');
});
