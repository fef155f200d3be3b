import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ActionInput } from '@liveprobe/protocol';
import { cli } from '../helpers/cli.js';
import { lineOf, sseEvents, type SseEvent, waitFor } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

// Errors an app's error handling catches: Express's error middleware (Express 4 and 5), Koa,
// Fastify, hapi, NestJS and Hono.
const WAIT = 15_000;
const APP = 'test/fixtures/handled-errors/express.cjs';
const STOCK = 'test/fixtures/handled-errors/stock.cjs';

/** Apps of other frameworks, each throwing the same OutOfStockError from stock.cjs. */
const FRAMEWORK_APPS = {
  koa: 'test/fixtures/handled-errors/koa.cjs',
  fastify: 'test/fixtures/handled-errors/fastify.cjs',
  'fastify-traced': 'test/fixtures/handled-errors/fastify-traced.cjs',
  hapi: 'test/fixtures/handled-errors/hapi.cjs',
  nest: 'test/fixtures/handled-errors/nest.mjs',
  hono: 'test/fixtures/handled-errors/hono.cjs',
} as const;
type Framework = keyof typeof FRAMEWORK_APPS;

const status = (actionId: string, matches: (data: { state: string; message?: string }) => boolean) => (event: SseEvent) =>
  event.event === 'action_status' &&
  (event.data as { actionId: string }).actionId === actionId &&
  matches(event.data as { state: string; message?: string });

async function stack(
  t: TestContext,
  express: 'express' | 'express5' | Framework,
  action: Omit<ActionInput & { type: 'exception' }, 'type' | 'tags'>,
  env: Record<string, string> = {},
) {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const script = express === 'express' || express === 'express5' ? APP : FRAMEWORK_APPS[express];
  const module = script.endsWith('.mjs') ? 'esm' : 'cjs';
  const shop = await app(t, { script, broker: cp.mqttUrl, module, env: { EXPRESS: express, ...env } });
  const { action: added } = await addAction(cp, { type: 'exception', tags: ['e2e'], ...action });
  await events.waitFor(
    status(added.id, (s) => s.state === 'installed'),
    WAIT,
    'the exception action installs',
  );
  return { cp, snapshots, events, shop, actionId: added.id };
}

for (const express of ['express', 'express5'] as const) {
  test(`${express}: an error its error middleware catches gives a snapshot of the throw site and its caller; one the app swallows gives none`, async (t) => {
    const { cp, snapshots, shop, actionId } = await stack(t, express, {});

    // Swallowed first: the snapshot of the reported error, later, proves the swallowed one gave none.
    assert.equal(await (await fetch(`${shop.url}/swallow?quantity=many`)).text(), 'quantity 1');
    const charged = await fetch(`${shop.url}/charge?card=expired&customer=grace&amount=19.99`);
    assert.equal(charged.status, 500, 'the app still answers with its own error handler');
    const { snapshot: s, id } = await snapshots.waitFor((e) => e.actionId === actionId, WAIT, 'the snapshot of the handled error');

    assert.deepEqual(s.exception, { type: 'PaymentError', message: 'card of grace declined (card_declined)', causes: [] });
    assert.match(s.location.file, /handled-errors\/express\.cjs$/);
    assert.equal(s.location.line, lineOf(APP, 'throw-charge'));
    assert.equal(s.location.function, 'chargeCard');
    assert.deepEqual(find(s.locals, 'cents'), { t: 'number', v: 1999 });
    assert.deepEqual(find(s.arguments, 'attempt'), { t: 'number', v: 2 });
    assert.equal(find(s.locals, 'declined').t, 'object');
    // The default bound is two frames: the route handler that called chargeCard comes with its locals.
    assert.equal(s.frames?.length, 1, 'one caller captured');
    const caller = s.frames![0]!;
    assert.equal(caller.location.line, lineOf(APP, 'call-charge'));
    assert.equal(find(caller.arguments, 'req').t, 'object');
    assert.equal(find(caller.locals, 'order').t, 'object');
    const outer = (caller.scopes ?? []).flatMap((scope) => scope.variables.map((v) => v.name));
    assert.ok(outer.includes('app'), `the caller's enclosing scopes are captured: ${outer.join(', ')}`);
    assert.deepEqual(
      snapshots.items().map((e) => e.snapshot.exception?.type),
      ['PaymentError'],
      'the RangeError the app swallowed gave no snapshot',
    );
    assert.match(shop.output(), /handled: card of grace declined/);

    const shown = await cli(['snapshots', 'show', id], { server: cp.url });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /error +PaymentError: card of grace declined/);
    assert.match(shown.stdout, /caller 1: .*express\.cjs:\d+\n +arguments\n +req = /);

    // Caught by the app and passed on with next(err): the middleware gets it, so it counts.
    assert.equal((await fetch(`${shop.url}/reserve?sku=sku-1&wanted=3`)).status, 500);
    const reserved = await snapshots.waitFor((e) => e.snapshot.exception?.type === 'OutOfStockError', WAIT, 'the next(err) snapshot');
    assert.match(reserved.snapshot.location.file, /handled-errors\/stock\.cjs$/);
    assert.equal(reserved.snapshot.location.line, lineOf(STOCK, 'throw-stock'));
    assert.deepEqual(find(reserved.snapshot.locals, 'left'), { t: 'number', v: 0 });
    assert.equal(find(reserved.snapshot.frames![0]!.locals, 'basket').t, 'object');
  });
}

for (const framework of ['koa', 'fastify', 'hapi', 'nest', 'hono'] as const) {
  test(`${framework}: an error the framework catches and answers 500 for gives a snapshot; one the app swallows gives none`, async (t) => {
    const { snapshots, shop, actionId } = await stack(t, framework, {});
    assert.equal(await (await fetch(`${shop.url}/swallow?quantity=many`)).text(), 'quantity 1');
    assert.equal((await fetch(`${shop.url}/reserve?sku=sku-1&wanted=5`)).status, 500);
    const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === actionId, WAIT, `the snapshot of the error ${framework} caught`);
    assert.deepEqual(s.exception?.type, 'OutOfStockError');
    assert.equal(s.location.line, lineOf(STOCK, 'throw-stock'));
    assert.deepEqual(find(s.arguments, 'wanted'), { t: 'number', v: 5 });
    assert.equal(s.frames?.[0]?.location.line, lineOf(FRAMEWORK_APPS[framework], `${framework}-call-reserve`));
    assert.equal(find(s.frames![0]!.locals, 'basket').t, 'object');
    assert.deepEqual(
      snapshots.items().map((e) => e.snapshot.exception?.type),
      ['OutOfStockError'],
      'the RangeError the app swallowed gave no snapshot',
    );
  });
}

test("nest: an async controller's rejection that the app's own exception filter answers gives a snapshot of its throw site", async (t) => {
  const { snapshots, shop, actionId } = await stack(t, 'nest', { frames: 1 });
  const settled = await fetch(`${shop.url}/settle?customer=lin`);
  assert.equal(settled.status, 402, "the app's filter still answers");
  assert.equal(await settled.text(), 'ledger: ledger lin is overdrawn');
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === actionId, WAIT, 'the snapshot of the rejection');
  assert.deepEqual(s.exception, { type: 'LedgerError', message: 'ledger lin is overdrawn', causes: [] });
  assert.equal(s.location.line, lineOf(FRAMEWORK_APPS.nest, 'nest-throw-settle'));
  assert.equal(s.location.function, 'settle');
  assert.equal(find(s.locals, 'ledger').t, 'object');
  assert.equal(find(s.arguments, 'query').t, 'object');
});

// Hono has two dispatches: a route's lone handler goes straight to its handleError, one behind
// middleware through compose's catch; both hand the error to app.onError or Hono's default handler.
for (const { build, onError } of [
  { build: 'cjs', onError: true },
  { build: 'esm', onError: false },
] as const) {
  test(`hono (${build} build, ${onError ? 'app.onError' : 'its default handler'}): sync and async handlers' errors, with and without middleware, give snapshots of their throw sites; the answers are unchanged`, async (t) => {
    const HONO = FRAMEWORK_APPS.hono;
    const env: Record<string, string> = { HONO_BUILD: build, ...(onError ? { ON_ERROR: '1' } : {}) };
    const { snapshots, shop, actionId } = await stack(t, 'hono', {}, env);
    const answers = async (path: string, message: string) => {
      const response = await fetch(`${shop.url}${path}`);
      assert.equal(response.status, onError ? 503 : 500, path);
      assert.equal(await response.text(), onError ? `sorry: ${message}` : 'Internal Server Error', path);
      return response;
    };
    const next = async (line: string) =>
      (await snapshots.waitFor((e) => e.actionId === actionId && e.snapshot.location.line === lineOf(HONO, line), WAIT, line)).snapshot;

    const behind = await answers('/api/reserve?wanted=4', 'only 0 of sku-1 left, 4 wanted');
    assert.equal(behind.headers.get('x-served-by'), 'hono', 'the middleware still runs after the error');
    const { snapshot: reserved } = await snapshots.waitFor((e) => e.snapshot.exception?.type === 'OutOfStockError', WAIT, 'compose');
    assert.equal(reserved.location.line, lineOf(STOCK, 'throw-stock'));
    assert.deepEqual(find(reserved.arguments, 'wanted'), { t: 'number', v: 4 });
    assert.equal(reserved.frames?.[0]?.location.line, lineOf(HONO, 'hono-api-call-reserve'));
    assert.equal(find(reserved.frames![0]!.locals, 'basket').t, 'object');

    await answers('/settle?customer=lin', 'ledger lin is overdrawn');
    const settled = await next('hono-throw-settle');
    // No `rejection`: Hono handled it, so it is not an unhandled rejection.
    assert.deepEqual(settled.exception, { type: 'LedgerError', message: 'ledger lin is overdrawn', causes: [] });
    assert.equal(find(settled.locals, 'ledger').t, 'object');

    await answers('/api/settle?customer=kim', 'ledger kim is overdrawn');
    const composed = await next('hono-api-throw-settle');
    assert.equal(composed.exception?.message, 'ledger kim is overdrawn');
    assert.equal(find(composed.locals, 'ledger').t, 'object');

    // Hono's own HTTP error, answered with its own response whichever handler runs: reported, as
    // Koa's, hapi's and Nest's HTTP errors are (an action's type filter leaves it out).
    const refused = await fetch(`${shop.url}/api/account`);
    assert.equal(refused.status, 403);
    assert.equal(await refused.text(), 'role guest refused');
    const account = await next('hono-throw-403');
    assert.equal(account.exception?.type, 'HTTPException');
    assert.deepEqual(find(account.locals, 'role'), { t: 'string', v: 'guest' });
    // hono/jwt's own 401: thrown in hono's file, the token's error it swallowed kept as the cause.
    const me = await fetch(`${shop.url}/api/me`, { headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(me.status, 401);
    const { snapshot: unauthorized } = await snapshots.waitFor((e) => e.snapshot.exception?.message === 'Unauthorized', WAIT, 'jwt');
    assert.equal(unauthorized.exception?.type, 'HTTPException');
    assert.deepEqual(
      unauthorized.exception?.causes.map((cause) => cause.type),
      ['JwtTokenInvalid'],
    );
    assert.match(unauthorized.location.file, /\/hono\/dist\/(cjs\/)?middleware\/jwt\/jwt\.js$/);

    // An async handler that throws before its first await rejects before Hono has chained its catch.
    await answers('/early?who=ada', 'early ada');
    const early = await next('hono-early');
    assert.equal(early.exception?.rejection, undefined, 'still a caught error');
    assert.deepEqual(find(early.locals, 'who'), { t: 'string', v: 'ada' });
    await answers('/api/early?who=bo', 'early api bo');
    assert.equal((await next('hono-api-early')).exception?.message, 'early api bo');

    assert.equal(await (await fetch(`${shop.url}/swallow?quantity=many`)).text(), 'quantity 1');
    assert.equal((await fetch(`${shop.url}/reserve?wanted=6`)).status, onError ? 503 : 500);
    await snapshots.waitFor((e) => e.snapshot.exception?.message === 'only 0 of sku-1 left, 6 wanted', WAIT, 'the last snapshot');
    assert.deepEqual(
      snapshots.items().map((e) => e.snapshot.exception?.type),
      ['OutOfStockError', 'LedgerError', 'LedgerError', 'HTTPException', 'HTTPException', 'LedgerError', 'LedgerError', 'OutOfStockError'],
      'one snapshot per error, none for the RangeError the app swallowed',
    );
  });
}

test('express: an error never thrown, passed to next(err) from a callback, is captured where the app passed it on', async (t) => {
  const { snapshots, shop, actionId } = await stack(t, 'express', { errorType: 'NotFoundError', frames: 1 });
  assert.equal((await fetch(`${shop.url}/orders/o-404`)).status, 500);
  const { snapshot: s, id } = await snapshots.waitFor((e) => e.actionId === actionId, WAIT, 'the snapshot of the unthrown error');
  assert.deepEqual(s.exception, { type: 'NotFoundError', message: 'no order o-404', causes: [] });
  assert.equal(s.location.line, lineOf(APP, 'next-unthrown'));
  assert.equal(find(s.arguments, 'err').t, 'error');
  assert.deepEqual(find(s.locals, 'tries'), { t: 'number', v: 1 });
  assert.match(shop.output(), /handled: no order o-404/);
  // Reported once, though the error passes through every later layer of the router.
  assert.equal((await fetch(`${shop.url}/charge?card=expired`)).status, 500);
  assert.equal((await fetch(`${shop.url}/orders/o-404`)).status, 500);
  await snapshots.waitFor((e) => e.actionId === actionId && e.id !== id, WAIT, 'the snapshot of the second request');
  assert.deepEqual(
    snapshots.items().map((e) => e.snapshot.exception?.type),
    ['NotFoundError', 'NotFoundError'],
    'one snapshot per request (the PaymentError between them is not a NotFoundError)',
  );
});

test('express: without error middleware, an error Express answers with its final handler gives a snapshot', async (t) => {
  const { snapshots, shop, actionId } = await stack(t, 'express', { frames: 1 }, { NO_ERROR_MIDDLEWARE: '1' });
  assert.equal(await (await fetch(`${shop.url}/swallow?quantity=many`)).text(), 'quantity 1');
  assert.equal((await fetch(`${shop.url}/charge?card=expired&amount=3`)).status, 500);
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === actionId, WAIT, 'the snapshot of the error');
  assert.equal(s.location.line, lineOf(APP, 'throw-charge'));
  assert.deepEqual(find(s.locals, 'cents'), { t: 'number', v: 300 });
  assert.deepEqual(
    snapshots.items().map((e) => e.snapshot.exception?.type),
    ['PaymentError'],
  );
  // finalhandler logs the error on the next turn of the event loop, after its answer.
  await waitFor(
    () => /Error: card of ada declined \(card_declined\)\n +at chargeCard/.test(shop.output()),
    WAIT,
    "Express's final handler still logging the error",
  );
});

test('express5: an async handler that rejects gives a snapshot of its throw site; an async error the app awaits and swallows gives none', async (t) => {
  const { snapshots, shop, actionId } = await stack(t, 'express5', { frames: 1 });
  assert.equal(await (await fetch(`${shop.url}/profile?customer=kim`)).text(), 'hello guest');
  const settled = await fetch(`${shop.url}/settle?customer=lin`);
  assert.equal(settled.status, 500);
  assert.equal(await settled.text(), 'ledger lin is overdrawn');
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === actionId, WAIT, 'the rejection snapshot');
  assert.equal(s.location.line, lineOf(APP, 'throw-settle'));
  assert.equal(s.exception?.rejection, undefined, 'Express handled it: not an unhandled rejection');
  assert.equal(find(s.locals, 'ledger').t, 'object');
  assert.equal(s.frames, undefined, 'frames: 1 captures the throw site only');
  assert.deepEqual(
    snapshots.items().map((e) => e.snapshot.exception?.message),
    ['ledger lin is overdrawn'],
    'the async error the app awaited and swallowed before it gave no snapshot',
  );
});

test('a file glob given on the command line captures only errors thrown in matching files', async (t) => {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: APP, broker: cp.mqttUrl, module: 'cjs' });
  const added = await cli(['exception', 'add', '--tag', 'e2e', '--file', '**/handled-errors/stock.*', '--frames', '1'], {
    server: cp.url,
  });
  assert.equal(added.code, 0, added.stderr);
  const actionId = /created (act_\w+) \(exception at reported errors in \*\*\/handled-errors\/stock\.\*\)/.exec(added.stdout)?.[1];
  assert.ok(actionId, added.stdout);
  const shown = await cli(['actions', 'show', actionId], { server: cp.url });
  assert.match(shown.stdout, /files +\*\*\/handled-errors\/stock\.\*/);
  assert.match(shown.stdout, /frames +1 \(the throw site\)/);
  await events.waitFor(
    status(actionId, (s) => s.state === 'installed'),
    WAIT,
    'the exception action installs',
  );

  assert.equal((await fetch(`${shop.url}/charge?card=expired`)).status, 500);
  assert.equal((await fetch(`${shop.url}/reserve?sku=sku-1`)).status, 500);
  const { snapshot } = await snapshots.waitFor((e) => e.actionId === actionId, WAIT, 'the snapshot from stock.cjs');
  assert.equal(snapshot.location.line, lineOf(STOCK, 'throw-stock'));
  assert.equal(snapshot.frames, undefined, '--frames 1: the throw site only');
  assert.deepEqual(
    snapshots.items().map((e) => e.snapshot.exception?.type),
    ['OutOfStockError'],
    'the PaymentError thrown in express.cjs before it was not captured',
  );
});

test('an app that throws and catches errors in a loop makes the agent watch uncaught errors only for a while, and say so', async (t) => {
  const { snapshots, events, shop, actionId } = await stack(t, 'express', {});
  assert.equal(await (await fetch(`${shop.url}/retry?times=200`)).text(), 'failures 200', 'the app behaves the same');
  const fallback = await events.waitFor(
    status(actionId, (s) => /watching uncaught errors only/.test(s.message ?? '')),
    WAIT,
    'the status saying caught errors are not watched',
  );
  assert.match((fallback.data as { message: string }).message, /more than 20 caught errors in a second/);
  assert.equal(snapshots.items().length, 0, 'the RangeErrors the loop caught gave no snapshot');
});

// OpenTelemetry's HTTP instrumentation runs a request's events inside its context manager's
// wrapper: that wrapper is nobody's throw site, nor where the app handed an error over.
test('fastify traced by OpenTelemetry: an error the app hands over is captured where it did; one Fastify made itself, at its error handler, never in the tracer', async (t) => {
  const TRACED = FRAMEWORK_APPS['fastify-traced'];
  const { snapshots, shop, actionId } = await stack(t, 'fastify-traced', { frames: 1 });
  const seen = new Set<string>();
  /** The snapshot of the one error a request made, once Fastify answered it as before. */
  const next = async (what: string, answer: Promise<Response>, status: number) => {
    assert.equal((await answer).status, status, `${what}: Fastify still answers`);
    const { snapshot: s, id } = await snapshots.waitFor((e) => e.actionId === actionId && !seen.has(e.id), WAIT, `the snapshot of ${what}`);
    seen.add(id);
    return s;
  };
  const json = { 'content-type': 'application/json' };

  const handed = await next('an error the app hands over', fetch(`${shop.url}/orders/404`), 404);
  assert.deepEqual(handed.exception, { type: 'OrderError', message: 'no order 404', causes: [] });
  assert.equal(handed.location.line, lineOf(TRACED, 'traced-hand-over'));
  assert.match(handed.location.file, /fastify-traced\.cjs$/);
  assert.equal(find(handed.locals, 'refused').t, 'error');

  const unparsed = await next(
    'a body Fastify cannot parse',
    fetch(`${shop.url}/orders`, { method: 'POST', headers: json, body: '{bad' }),
    400,
  );
  const refused = await next(
    "a body Fastify's schema refuses",
    fetch(`${shop.url}/orders`, { method: 'POST', headers: json, body: '{"quantity":0}' }),
    400,
  );
  const params = await next("params Fastify's schema refuses", fetch(`${shop.url}/orders/abc`), 400);
  const limited = await next("params Fastify's schema refuses after an async hook", fetch(`${shop.url}/limited/orders/abc`), 400);
  for (const [s, message] of [
    [unparsed, /not valid JSON/],
    [refused, /body\/quantity must be >= 1/],
    [params, /params\/id must match pattern/],
    [limited, /params\/id must match pattern/],
  ] as const) {
    assert.match(s.exception?.message ?? '', message);
    assert.doesNotMatch(s.location.file, /@opentelemetry/, `${s.exception?.message}: not placed in the tracer's wrapper`);
    assert.match(s.location.file, /node_modules\/fastify\/lib\/error-handler\.js$/, `${s.exception?.message}: at Fastify's error handler`);
    assert.equal(find(s.arguments, 'reply').t, 'object', 'with the reply it answers, and so the request');
  }
});
