// Exception actions on the Python agent for errors a web framework catches, through a real control
// plane, broker and CLI: a Django view's error (Django answers 500, or a middleware's
// `process_exception` answers it) and a FastAPI endpoint's, under uvicorn, hypercorn, daphne and
// granian, that Starlette's 500 path answers or that an exception handler answers, by class or by
// status code, each give one snapshot of the frame that raised it; the responses are those of the
// app without the agent, an error the view catches itself gives nothing, and once the action goes
// the framework and the server are as they were.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { CapturedValue, NamedValue, SnapshotData } from '@liveprobe/protocol';
import { cli, lineOf, sseEvents, waitFor, type SseEvent } from '../helpers/index.js';
import { controlPlane, deleteAction } from '../agent/fixtures.js';
import { FIXTURES, startPythonApp } from './python-app.js';

const WAIT = 20_000;
const CARD = '4111111111111111';
const snapshotOf = (actionId: string) => (e: SseEvent) => e.event === 'snapshot' && (e.data as { actionId: string }).actionId === actionId;
const find = (values: NamedValue[], name: string): CapturedValue | undefined => values.find((v) => v.name === name)?.value;

interface Answer {
  status: number;
  body: string;
}

async function post(url: string, body: unknown): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.text() };
}

/** A response as the tests compare it. */
const answer = async (response: Promise<Response>): Promise<Answer> => {
  const r = await response;
  return { status: r.status, body: await r.text() };
};

async function snapshotsOf(cpUrl: string, actionId: string): Promise<SnapshotData[]> {
  const { snapshots } = (await (await fetch(`${cpUrl}/api/v1/snapshots?action=${actionId}`)).json()) as { snapshots: { id: string }[] };
  return Promise.all(
    snapshots.map(
      async ({ id }) => ((await (await fetch(`${cpUrl}/api/v1/snapshots/${id}`)).json()) as { snapshot: SnapshotData }).snapshot,
    ),
  );
}

/** The fixture's answers to `ask` without the agent (a run of its own), then the app run with the agent. */
async function withAndWithout(t: TestContext, script: string, ask: (url: string) => Promise<Answer[]>, env: Record<string, string> = {}) {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const plain = await startPythonApp(t, { script, launcher: 'no agent', broker: cp.mqttUrl, tags: ['none'], agentId: 'no-agent', env });
  const without = await ask(plain.url);
  await plain.stop();
  const agentId = [script.replace('.py', '').replace('_', '-'), ...Object.values(env)].join('-');
  const app = await startPythonApp(t, { script, broker: cp.mqttUrl, tags: ['web'], agentId, env });
  const hooks = async () => (await fetch(`${app.url}/hooks`)).json();
  const before = await hooks();
  const added = await cli(['exception', 'add', '--tag', 'web', '--file', 'fixtures/*.py'], { server: cp.url });
  assert.equal(added.code, 0, added.stdout + added.stderr);
  assert.match(added.stdout, /: installed/);
  const actionId = /created (act_\w+)/.exec(added.stdout)![1]!;
  const removed = async () => {
    await deleteAction(cp, actionId);
    const back = JSON.stringify(before);
    await waitFor(async () => JSON.stringify(await hooks()) === back, WAIT, 'the framework as it was before the action');
  };
  return { cp, events, app, without, hooks, before, actionId, removed };
}

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

interface Answered {
  script: string;
  /** The fixture's requests: the first an error its framework answers 500, the last a success. */
  ask: (url: string) => Promise<Answer[]>;
  statuses: number[];
  /** The fixture's `/hooks` without the action, and while it is desired. */
  hooks: [unknown, unknown];
  /** One snapshot's error type per error the framework answered, sorted. */
  types: string[];
  /** The functions that raise the 500 and the other error (Python's qualified names). */
  raisers?: [string, string];
}

/** A framework's answers with the agent are those without; each error it answered gives one snapshot
 * of the frame that raised it: `pay`'s 500 and, when there is another, `reserve`'s are checked here. */
async function answeredBy(t: TestContext, framework: string, spec: Answered) {
  const { cp, events, app, without, hooks, before, actionId, removed } = await withAndWithout(t, spec.script, spec.ask);
  assert.deepEqual(before, spec.hooks[0]);
  assert.deepEqual(await hooks(), spec.hooks[1], 'hooked while the action is desired');
  assert.deepEqual(await (await fetch(`${app.url}/quote?currency=GBP`)).json(), { rate: 1 }, 'the handler handles its own KeyError');
  const withAgent = await spec.ask(app.url);
  assert.deepEqual(
    withAgent.map((a) => a.status),
    spec.statuses,
  );
  assert.deepEqual(withAgent, without, 'the same statuses and bodies as without the agent');
  await waitFor(async () => (await snapshotsOf(cp.url, actionId)).length >= spec.types.length, WAIT, 'the exception snapshots');
  await events.waitFor(snapshotOf(actionId), WAIT, 'an exception snapshot on the live stream');
  const snapshots = await snapshotsOf(cp.url, actionId);
  assert.deepEqual(snapshots.map((s) => s.exception?.type).sort(), spec.types, 'one per error the framework answered, and nothing else');
  const [payer, reserver] = spec.raisers ?? ['pay', 'reserve'];
  const declined = snapshots.find((s) => s.exception?.type === 'PaymentDeclined')!;
  assert.equal(declined.exception!.message, 'amount 500 is over the limit');
  assert.equal(declined.location.function, payer);
  assert.equal(declined.location.line, lineOf(`${FIXTURES}/${spec.script}`, `${framework}-pay-raise`));
  assert.ok(find(declined.locals, 'card'), 'the handler’s locals');
  assert.ok(!JSON.stringify(declined).includes(CARD), 'the card number is redacted');
  await removed();
  const reserve = snapshots.find((s) => s.location.function === reserver);
  if (spec.types.length > 1) {
    assert.ok(reserve, `a snapshot of ${reserver}`);
    assert.equal(reserve.location.line, lineOf(`${FIXTURES}/${spec.script}`, `${framework}-reserve-raise`));
    assert.deepEqual(find(reserve.locals, 'left'), { t: 'number', v: -2 });
    assert.deepEqual(find(reserve.locals, 'session_token'), { t: 'redacted' }, 'the session token is redacted');
  }
  return { snapshots, reserve: reserve! };
}

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
