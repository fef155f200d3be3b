// Exception actions on the Python agent for errors a web framework catches, through a real control
// plane, broker and CLI: a Django view's error (Django answers 500, or a middleware's
// `process_exception` answers it) and a FastAPI endpoint's, under uvicorn, hypercorn, daphne and
// granian, that Starlette's 500 path answers or that an exception handler answers, by class or by
// status code, each give one snapshot of the frame that raised it; the responses are those of the
// app without the agent, an error the view catches itself gives nothing, and once the action goes
// the framework and the server are as they were.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { lineOf, waitFor } from '../helpers/index.js';
import { FIXTURES } from './python-app.js';
import { answer, CARD, find, post, snapshotOf, snapshotsOf, WAIT, withAndWithout } from './framework-app.js';

test("a Django view's error is captured with the view's frame, whether Django answers 500 or a middleware's process_exception answers it; the answers are unchanged and Django is as before once the action goes", async (t) => {
  const script = 'django_shop.py';
  const ask = async (url: string) => [
    await post(`${url}/pay`, { amount: 500, card: CARD }),
    await post(`${url}/reserve`, { sku: 'tea', quantity: 5 }),
    await post(`${url}/pay`, { amount: 20, card: CARD }),
  ];
  const { cp, events, app, without, hooks, before, actionId, removed } = await withAndWithout(t, script, ask);
  assert.equal(before.askIsDjangos, true);
  const during = await hooks();
  assert.equal(during.receivers.length, before.receivers.length + 1, 'a receiver while the action is desired');
  assert.equal(during.askIsDjangos, false, "Django's method asking the middleware is wrapped while the action is desired");

  assert.deepEqual(await (await fetch(`${app.url}/quote?currency=GBP`)).json(), { rate: 1 }, 'the view handles its own KeyError');
  const withAgent = await ask(app.url);
  assert.deepEqual(
    withAgent.map((a) => a.status),
    [500, 409, 200],
  );
  assert.deepEqual(withAgent, without, 'the same statuses and bodies as without the agent');
  await waitFor(async () => (await snapshotsOf(cp.url, actionId)).length >= 2, WAIT, 'two exception snapshots');
  await events.waitFor(snapshotOf(actionId), WAIT, 'an exception snapshot on the live stream');

  const snapshots = await snapshotsOf(cp.url, actionId);
  assert.equal(snapshots.length, 2, 'one per error; the error the view caught itself gave nothing');
  const short = snapshots.find((s) => s.exception?.type === 'OutOfStock')!;
  assert.equal(short.exception!.message, 'tea is short by 2', "the error the middleware's process_exception answered");
  assert.equal(short.location.function, 'reserve');
  assert.equal(short.location.line, lineOf(`${FIXTURES}/${script}`, 'django-reserve-raise'));
  assert.deepEqual(find(short.locals, 'left'), { t: 'number', v: -2 });
  const s = snapshots.find((s) => s.exception?.type === 'PaymentDeclined');
  assert.deepEqual(s!.exception, { type: 'PaymentDeclined', message: 'amount 500 is over the limit', causes: [] });
  assert.equal(s!.location.function, 'pay');
  assert.equal(s!.location.line, lineOf(`${FIXTURES}/${script}`, 'django-pay-raise'));
  assert.ok(find(s!.locals, 'card'), 'the view’s locals');
  assert.ok(!JSON.stringify(s).includes(CARD), 'the card number is redacted');
  await removed();
});

/** fastapi_shop.py's app under `server`: uvicorn runs the fixture itself, asgi_servers.py the others. */
async function fastapiUnder(t: TestContext, server: 'uvicorn' | 'hypercorn' | 'daphne' | 'granian') {
  const [script, env] = server === 'uvicorn' ? ['fastapi_shop.py', {}] : ['asgi_servers.py', { SERVER: server }];
  const ask = async (url: string) => [
    await post(`${url}/pay`, { amount: 500, card: CARD }),
    await post(`${url}/reserve`, { sku: 'tea', quantity: 5 }),
    await answer(fetch(`${url}/orders/7`)),
    await post(`${url}/pay`, { amount: 20, card: CARD }),
  ];
  const { cp, events, app, without, hooks, before, actionId, removed } = await withAndWithout(t, script, ask, env);
  assert.deepEqual(before, { checkIsStarlettes: true, serverLogFilters: 0 });
  assert.deepEqual(
    await hooks(),
    { checkIsStarlettes: false, serverLogFilters: 1 },
    `hooked while the action is desired, ${server}'s log included`,
  );

  assert.deepEqual(await (await fetch(`${app.url}/quote?currency=GBP`)).json(), { rate: 1 }, 'the endpoint handles its own KeyError');
  const withAgent = await ask(app.url);
  assert.deepEqual(
    withAgent.map((a) => a.status),
    [500, 409, 404, 200],
  );
  assert.deepEqual(withAgent, without, 'the same statuses and bodies as without the agent');
  await waitFor(async () => (await snapshotsOf(cp.url, actionId)).length >= 3, WAIT, 'three exception snapshots');
  await events.waitFor(snapshotOf(actionId), WAIT, 'an exception snapshot on the live stream');

  const snapshots = await snapshotsOf(cp.url, actionId);
  assert.deepEqual(
    snapshots.map((s) => s.exception?.type).sort(),
    ['HTTPException', 'OutOfStock', 'PaymentDeclined'],
    "one per error: the 500 handler's (through the server's log), the handler by class's, the handler for 404's; the error the endpoint caught itself gave nothing",
  );
  const declined = snapshots.find((s) => s.exception?.type === 'PaymentDeclined')!;
  assert.equal(declined.exception!.message, 'amount 500 is over the limit');
  assert.equal(declined.location.function, 'pay');
  assert.equal(declined.location.line, lineOf(`${FIXTURES}/fastapi_shop.py`, 'fastapi-pay-raise'));
  assert.ok(!JSON.stringify(declined).includes(CARD), 'the card number is redacted');
  const short = snapshots.find((s) => s.exception?.type === 'OutOfStock')!;
  assert.equal(short.exception!.message, 'tea is short by 2');
  assert.equal(short.location.function, 'reserve');
  assert.equal(short.location.line, lineOf(`${FIXTURES}/fastapi_shop.py`, 'fastapi-reserve-raise'));
  assert.deepEqual(find(short.locals, 'left'), { t: 'number', v: -2 });
  assert.ok(!JSON.stringify(short).includes('tok-secret'), 'the session token is redacted');
  const missing = snapshots.find((s) => s.exception?.type === 'HTTPException')!;
  assert.equal(missing.location.function, 'order', 'the HTTPException the handler for 404 answered');
  assert.equal(missing.exception!.message, 'no order 7', 'its `detail`: HTTPException passes no arguments to Exception');
  assert.equal(missing.location.line, lineOf(`${FIXTURES}/fastapi_shop.py`, 'fastapi-order-raise'));
  await removed();
}

test("a FastAPI endpoint's error under uvicorn is captured whether Starlette's 500 path, the app's handler for its class or its handler for 404 answers it; the responses are unchanged and Starlette as before once the action goes", (t) =>
  fastapiUnder(t, 'uvicorn'));

for (const server of ['hypercorn', 'daphne', 'granian'] as const) {
  test(`under ${server}, an error that escapes the FastAPI app is captured once, from ${server}'s log, as are those its handlers answer; the responses and ${server}'s log are as without the agent once the action goes`, (t) =>
    fastapiUnder(t, server));
}
