// Exception actions on the Python agent for errors Falcon (WSGI), Bottle and Pyramid answer under
// wsgiref, and for a request handler's error an http.server server catches and prints, through a
// real control plane, broker and CLI: each gives one snapshot of the frame that raised it (a raised
// redirect gives nothing, nor does an error the handler catches itself, nor the 404 or 405 the
// router raises itself for a request no route takes); the responses are those of the app without
// the agent, and once the action goes the framework is as it was. The ASGI frameworks:
// framework-exceptions-asgi.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Answer, answer, answeredBy, CARD, falconAnswered, orderAt, post, shopRequests } from './framework-app.js';

test("a Falcon WSGI responder's error is captured whether Falcon answers 500, the app's error handler for its class answers it or it is a raised HTTPError, not a raised redirect nor the router's 404 and 405; the answers are unchanged and Falcon as before once the action goes", async (t) => {
  await falconAnswered(t, 'falcon', {}, '');
});

test("a Bottle route's error is captured whether Bottle answers 500 or it is a raised HTTPError (abort()'s too, raised from Bottle's frame), not a raised redirect nor the router's 404 and 405; the answers are unchanged and Bottle as before once the action goes", async (t) => {
  const { snapshots, reserve } = await answeredBy(t, 'bottle', {
    script: 'bottle_shop.py',
    anyFile: true,
    ask: (url) => shopRequests(url),
    statuses: [404, 405, 500, 409, 404, 303, 200],
    hooks: [{ handleIsBottles: true }, { handleIsBottles: false }],
    types: ['HTTPError', 'HTTPError', 'PaymentDeclined'],
  });
  assert.equal(reserve.exception!.type, 'HTTPError');
  const aborted = snapshots.find((s) => s.location.function === 'abort');
  assert.ok(aborted, "a snapshot of the app's abort(404), its throw site Bottle's abort");
  assert.equal(aborted.exception!.type, 'HTTPError');
});

test("a Pyramid view's error is captured whether no exception view answers it (the server answers 500), the app's exception view for its class answers it or it is a raised 4xx HTTPException, not a raised redirect nor Pyramid's 404 for a path no route matches or a method no view's predicate takes; the answers are unchanged and Pyramid as before once the action goes", async (t) => {
  const { snapshots, reserve } = await answeredBy(t, 'pyramid', {
    script: 'pyramid_shop.py',
    anyFile: true,
    ask: (url) => shopRequests(url),
    statuses: [404, 404, 500, 409, 404, 302, 200],
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
