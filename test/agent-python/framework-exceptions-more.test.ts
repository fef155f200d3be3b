// Exception actions on the Python agent for errors Litestar, Quart, Falcon (WSGI and ASGI), Bottle
// and Pyramid answer, and for a request handler's error an http.server server catches and prints,
// through a real control plane, broker and CLI: each gives one snapshot of the frame that raised it,
// sync and async handlers alike (a raised redirect gives nothing, nor does an error the handler
// catches itself); the responses are those of the app without the agent, and once the action goes
// the framework is as it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SnapshotData } from '@liveprobe/protocol';
import { lineOf } from '../helpers/index.js';
import { FIXTURES } from './python-app.js';
import { type Answer, answer, answeredBy, CARD, post } from './framework-app.js';

/** The snapshot of the raised 404 (`order`'s): its throw site is the fixture's line. */
function orderAt(snapshots: SnapshotData[], type: string, script: string, marker: string, raiser = 'order') {
  const missing = snapshots.find((s) => s.exception?.type === type)!;
  assert.ok(missing, `a snapshot of the raised ${type}`);
  assert.equal(missing.location.function, raiser);
  assert.equal(missing.location.line, lineOf(`${FIXTURES}/${script}`, marker));
  return missing;
}

test("a Litestar handler's error, async or sync (in Litestar's thread), is captured whether Litestar answers 500, the app's exception handler for its class answers it or it is a raised HTTPException; the answers are unchanged and Litestar as before once the action goes", async (t) => {
  const { snapshots, reserve } = await answeredBy(t, 'litestar', {
    script: 'litestar_shop.py',
    ask: async (url) => [
      await post(`${url}/pay`, { amount: 500, card: CARD }),
      await post(`${url}/reserve`, { sku: 'tea', quantity: 5 }),
      await answer(fetch(`${url}/orders/7`)),
      await post(`${url}/pay`, { amount: 20, card: CARD }),
    ],
    statuses: [500, 409, 404, 200],
    hooks: [{ handleIsLitestars: true }, { handleIsLitestars: false }],
    types: ['NotFoundException', 'OutOfStock', 'PaymentDeclined'],
  });
  assert.equal(reserve.exception!.message, 'tea is short by 2');
  assert.equal(orderAt(snapshots, 'NotFoundException', 'litestar_shop.py', 'litestar-order-raise').exception!.message, '404: no order 7');
});

test("a Quart view's error, async or sync (in Quart's thread pool), is captured whether Quart answers 500, the app's error handler for its class answers it or it is a raised werkzeug HTTPException, not a raised redirect; the answers are unchanged and Quart as before once the action goes", async (t) => {
  const { snapshots, reserve } = await answeredBy(t, 'quart', {
    script: 'quart_shop.py',
    ask: async (url) => [
      await post(`${url}/pay`, { amount: 500, card: CARD }),
      await post(`${url}/reserve?sku=tea&quantity=5`, {}),
      await answer(fetch(`${url}/orders/7`)),
      await answer(fetch(`${url}/old`, { redirect: 'manual' })),
      await post(`${url}/pay`, { amount: 20, card: CARD }),
    ],
    statuses: [500, 409, 404, 308, 200],
    hooks: [{ handleIsQuarts: true }, { handleIsQuarts: false }],
    types: ['NotFound', 'OutOfStock', 'PaymentDeclined'],
  });
  assert.equal(reserve.exception!.message, 'tea is short by 2');
  orderAt(snapshots, 'NotFound', 'quart_shop.py', 'quart-order-raise');
});

for (const [interfaceName, framework, env, suffix] of [
  ['WSGI', 'falcon', {}, ''],
  ['ASGI', 'falcon-asgi', { INTERFACE: 'asgi' }, 'Async'],
] as const) {
  test(`a Falcon ${interfaceName} responder's error is captured whether Falcon answers 500, the app's error handler for its class answers it or it is a raised HTTPError, not a raised redirect; the answers are unchanged and Falcon as before once the action goes`, async (t) => {
    const { snapshots, reserve } = await answeredBy(t, framework, {
      script: 'falcon_shop.py',
      env,
      ask: async (url) => [
        await post(`${url}/pay`, { amount: 500, card: CARD }),
        await post(`${url}/reserve`, { sku: 'tea', quantity: 5 }),
        await answer(fetch(`${url}/orders/7`)),
        await answer(fetch(`${url}/old`, { redirect: 'manual' })),
        await post(`${url}/pay`, { amount: 20, card: CARD }),
      ],
      statuses: [500, 409, 404, 302, 200],
      hooks: [{ handleIsFalcons: true }, { handleIsFalcons: false }],
      types: ['HTTPNotFound', 'OutOfStock', 'PaymentDeclined'],
      raisers: [`Pay${suffix}.on_post`, `Reserve${suffix}.on_post`],
    });
    assert.equal(reserve.exception!.message, 'tea is short by 2');
    orderAt(snapshots, 'HTTPNotFound', 'falcon_shop.py', `${framework}-order-raise`, `Order${suffix}.on_get`);
  });
}

test("a Bottle route's error is captured whether Bottle answers 500 or it is a raised HTTPError, not a raised redirect nor Bottle's own 404 for a path no route matches (its throw site is Bottle's); the answers are unchanged and Bottle as before once the action goes", async (t) => {
  const { reserve } = await answeredBy(t, 'bottle', {
    script: 'bottle_shop.py',
    ask: async (url) => [
      await post(`${url}/pay`, { amount: 500, card: CARD }),
      await post(`${url}/reserve`, { sku: 'tea', quantity: 5 }),
      await answer(fetch(`${url}/orders/7`)),
      await answer(fetch(`${url}/old`, { redirect: 'manual' })),
      await post(`${url}/pay`, { amount: 20, card: CARD }),
    ],
    statuses: [500, 409, 404, 303, 200],
    hooks: [{ handleIsBottles: true }, { handleIsBottles: false }],
    types: ['HTTPError', 'PaymentDeclined'],
  });
  assert.equal(reserve.exception!.type, 'HTTPError');
});

test("a Pyramid view's error is captured whether no exception view answers it (the server answers 500), the app's exception view for its class answers it or it is a raised 4xx HTTPException, not a raised redirect; the answers are unchanged and Pyramid as before once the action goes", async (t) => {
  const { snapshots, reserve } = await answeredBy(t, 'pyramid', {
    script: 'pyramid_shop.py',
    ask: async (url) => [
      await post(`${url}/pay`, { amount: 500, card: CARD }),
      await post(`${url}/reserve`, { sku: 'tea', quantity: 5 }),
      await answer(fetch(`${url}/orders/7`)),
      await answer(fetch(`${url}/old`, { redirect: 'manual' })),
      await post(`${url}/pay`, { amount: 20, card: CARD }),
    ],
    statuses: [500, 409, 404, 302, 200],
    hooks: [{ errorHandlerIsPyramids: true }, { errorHandlerIsPyramids: false }],
    types: ['HTTPNotFound', 'OutOfStock', 'PaymentDeclined'],
  });
  assert.equal(reserve.exception!.message, 'tea is short by 2');
  assert.equal(orderAt(snapshots, 'HTTPNotFound', 'pyramid_shop.py', 'pyramid-order-raise').exception!.message, 'no order 7');
});

/** A request the server closes without an answer (its handler's error escaped) reads as status 0. */
const closedOrAnswered = async (response: Promise<Response>): Promise<Answer> => {
  try {
    return await answer(response);
  } catch {
    return { status: 0, body: '' };
  }
};

test("an http.server request handler's error, which its server (socketserver's) catches and prints, is captured; the connection closes without an answer as before and socketserver is as before once the action goes", async (t) => {
  const { app } = await answeredBy(t, 'http-server', {
    script: 'http_server_shop.py',
    ask: async (url) => [
      await closedOrAnswered(fetch(`${url}/pay`, { method: 'POST', body: JSON.stringify({ amount: 500, card: CARD }) })),
      await post(`${url}/pay`, { amount: 20, card: CARD }),
    ],
    statuses: [0, 200],
    hooks: [{ handleErrorIsSocketservers: true }, { handleErrorIsSocketservers: false }],
    types: ['PaymentDeclined'],
    raisers: ['Shop.do_POST', 'Shop.do_POST'],
  });
  assert.match(
    app.output(),
    /Exception occurred during processing of request[\s\S]*PaymentDeclined: amount 500 is over the limit/,
    'the server still prints the error',
  );
});
