// Exception actions on prepared files (install path 2): captured at the exception sites of prepared
// code, on the app's thread, with no pausing inspector session. The action's status says which
// path it took; on the prepared path the agent never asks V8 to pause at thrown errors.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Child, fromRoot } from '@liveprobe/harness';
import { cli, compileTypeScript, lineOf, sseEvents, tempDir, type SseEvent } from '../helpers/index.js';
import { addAction, app, controlPlane } from './fixtures.js';
import { assertRefundThrowSite, find, snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;
const APP = 'test/fixtures/failing-app.mjs';
const EXPRESS = 'test/fixtures/handled-errors/express.cjs';
const HONO = 'test/fixtures/handled-errors/hono.cjs';
const STOCK = 'test/fixtures/handled-errors/stock.cjs';
const PREPARED_PATH = /^prepared path: exception sites in prepared files capture on the app's thread, with no pause/;

const installedWith = (actionId: string) => (event: SseEvent) =>
  event.event === 'action_status' &&
  (event.data as { actionId: string }).actionId === actionId &&
  (event.data as { state: string }).state === 'installed';

async function stack(t: TestContext, script: string, env: Record<string, string>, module: 'esm' | 'cjs' = 'esm') {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script, broker: cp.mqttUrl, module, env });
  return { cp, snapshots, events, shop };
}

/** Adds an exception action and returns the message of its `installed` status: which path it took. */
async function exceptionAction(
  cp: { url: string },
  events: { waitFor: (match: (e: SseEvent) => boolean, ms: number, what: string) => Promise<SseEvent> },
  body: Record<string, unknown> = {},
): Promise<{ id: string; path: string }> {
  const { action } = await addAction(cp as never, { type: 'exception', tags: ['e2e'], ...body } as never);
  const status = await events.waitFor(installedWith(action.id), WAIT, 'the exception action installs');
  return { id: action.id, path: (status.data as { message?: string }).message ?? '' };
}

test('LIVEPROBE_PREPARE=app: an uncaught throw in an HTTP handler and an unhandled rejection are captured at their throw sites with no pausing session', async (t) => {
  const { cp, snapshots, events, shop } = await stack(t, APP, { LIVEPROBE_PREPARE: 'app' });
  const action = await exceptionAction(cp, events);
  assert.match(action.path, PREPARED_PATH, 'the status names the prepared path: the agent does not pause at thrown errors');

  assert.equal((await fetch(`${shop.url}/charge?card=expired&customer=grace&amount=19.99`)).status, 500);
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the exception snapshot');
  assert.deepEqual(s.exception, {
    type: 'Error',
    message: 'card of grace declined after 3 attempts',
    causes: [{ type: 'TypeError', message: 'gateway eu-west refused card_declined' }],
  });
  assert.match(s.location.file, /failing-app\.mjs$/);
  assert.equal(s.location.line, lineOf(APP, 'throw-charge'));
  assert.equal(s.location.function, 'chargeCard');
  assert.equal(s.stack[0]?.line, lineOf(APP, 'throw-charge'));
  assert.deepEqual(find(s.arguments, 'attempt'), { t: 'number', v: 3 });
  // `const`s of the throwing block: a `throw` statement's site sees every binding in scope.
  assert.deepEqual(find(s.locals, 'cents'), { t: 'number', v: 1999 });
  assert.equal(find(s.locals, 'declined').t, 'object');
  assert.equal(find(s.locals, 'cause').t, 'error');

  await fetch(`${shop.url}/settle?customer=lin`);
  const rejected = await snapshots.waitFor((e) => e.snapshot.exception?.message === 'ledger lin is closed', WAIT, 'the rejection');
  assert.equal(rejected.snapshot.location.line, lineOf(APP, 'throw-settle'));
  assert.equal(rejected.snapshot.exception?.rejection, true, 'reported as an unhandled rejection');
  assert.equal(find(rejected.snapshot.locals, 'ledger').t, 'object');

  // An error thrown by an expression (no `throw` statement) is seen by its function's catch.
  await fetch(`${shop.url}/lookup`);
  const lookup = await snapshots.waitFor((e) => e.snapshot.exception?.type === 'TypeError', WAIT, 'the TypeError');
  assert.match(lookup.snapshot.location.file, /failing-app\.mjs$/);
  assert.deepEqual(find(lookup.snapshot.arguments, 'order').t, 'object');
  assert.match(shop.output(), /reported: card of grace declined after 3 attempts/, 'the app reported its errors as before');
});

test('an app prepared with `liveprobe prepare` crashes on an uncaught error with the code it has without the agent, after its snapshot is sent', async (t) => {
  const dir = await tempDir('liveprobe-prepared-failing-');
  t.after(() => dir.remove());
  const script = join(dir.path, 'failing-app.mjs');
  copyFileSync(fromRoot(APP), script);
  const prepared = await cli(['prepare', dir.path], { server: 'http://127.0.0.1:9' });
  assert.equal(prepared.code, 0, prepared.stderr);

  const plain = new Child(process.execPath, [script], { name: 'prepared app without the agent', env: { PORT: '0', CRASH: '1' } });
  const line = await plain.waitForLine((text) => /listening on/.test(text), WAIT, '`listening on <url>`');
  await fetch(`${/(http:\/\/\S+)/.exec(line)?.[1]}/validate?amount=-1`).catch(() => undefined);
  const withoutAgent = (await plain.exited).code;
  assert.equal(withoutAgent, 1, 'Node ends an uncaught error with code 1, prepared or not');

  const { cp, snapshots, events, shop } = await stack(t, script, { CRASH: '1' });
  const action = await exceptionAction(cp, events, { errorType: 'ValidationError' });
  assert.match(action.path, PREPARED_PATH);
  await fetch(`${shop.url}/validate?amount=-1`).catch(() => undefined);
  assert.deepEqual(await shop.exited, { code: withoutAgent, signal: null });
  assert.match(shop.output(), /ValidationError: invalid order: negative amount/, 'Node still prints the error');
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot of the crash');
  assert.equal(s.exception?.type, 'ValidationError');
  assert.equal(s.location.file, script, 'the file as the user names it, not the copy of the input beside it');
  assert.equal(s.location.line, lineOf(APP, 'throw-validate'));
  assert.equal(find(s.locals, 'problems').t, 'array');
  assert.equal(find(s.arguments, 'order').t, 'object');
});

for (const express of ['express', 'express5'] as const) {
  test(`LIVEPROBE_PREPARE=app, ${express}: an error its error middleware catches gives the throw site and its caller; a swallowed one gives none`, async (t) => {
    const { cp, snapshots, events, shop } = await stack(t, EXPRESS, { LIVEPROBE_PREPARE: 'app', EXPRESS: express }, 'cjs');
    const action = await exceptionAction(cp, events);
    assert.match(action.path, PREPARED_PATH);

    assert.equal(await (await fetch(`${shop.url}/swallow?quantity=many`)).text(), 'quantity 1');
    assert.equal((await fetch(`${shop.url}/charge?card=expired&customer=grace&amount=19.99`)).status, 500);
    const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot of the handled error');
    assert.deepEqual(s.exception, { type: 'PaymentError', message: 'card of grace declined (card_declined)', causes: [] });
    assert.equal(s.location.line, lineOf(EXPRESS, 'throw-charge'));
    assert.equal(s.location.function, 'chargeCard');
    assert.deepEqual(find(s.locals, 'cents'), { t: 'number', v: 1999 });
    assert.deepEqual(find(s.arguments, 'attempt'), { t: 'number', v: 2 });
    assert.equal(s.frames?.length, 1, 'the default two frames: the route handler comes as the caller');
    assert.equal(s.frames![0]!.location.line, lineOf(EXPRESS, 'call-charge'));
    assert.equal(find(s.frames![0]!.arguments, 'req').t, 'object');
    assert.deepEqual(
      snapshots.items().map((e) => e.snapshot.exception?.type),
      ['PaymentError'],
      'the RangeError the app swallowed before gave no snapshot',
    );
  });
}

test("LIVEPROBE_PREPARE=app: errors Hono catches, behind middleware or in a lone async handler, are published at Hono's dispatch", async (t) => {
  const { cp, snapshots, events, shop } = await stack(t, HONO, { LIVEPROBE_PREPARE: 'app', ON_ERROR: '1' }, 'cjs');
  const action = await exceptionAction(cp, events);
  assert.match(action.path, PREPARED_PATH);

  assert.equal(await (await fetch(`${shop.url}/swallow?quantity=many`)).text(), 'quantity 1');
  const reserved = await fetch(`${shop.url}/api/reserve?wanted=3`);
  assert.equal(reserved.status, 503, "the app's onError still answers");
  assert.equal(await reserved.text(), 'sorry: only 0 of sku-1 left, 3 wanted');
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot behind middleware');
  assert.equal(s.location.line, lineOf(STOCK, 'throw-stock'));
  assert.deepEqual(find(s.arguments, 'wanted'), { t: 'number', v: 3 });
  assert.equal(s.frames?.[0]?.location.line, lineOf(HONO, 'hono-api-call-reserve'));

  assert.equal((await fetch(`${shop.url}/settle?customer=lin`)).status, 503);
  const { snapshot: settled } = await snapshots.waitFor((e) => e.snapshot.exception?.type === 'LedgerError', WAIT, 'the rejection');
  assert.equal(settled.location.line, lineOf(HONO, 'hono-throw-settle'));
  assert.equal(find(settled.locals, 'ledger').t, 'object');
  assert.deepEqual(
    snapshots.items().map((e) => e.snapshot.exception?.type),
    ['OutOfStockError', 'LedgerError'],
    'the RangeError the app swallowed gave no snapshot',
  );
});

test("LIVEPROBE_PREPARE=app: a rejection nobody handles ends the app as Node's default does, after its snapshot is sent as an unhandled rejection", async (t) => {
  const { cp, snapshots, events, shop } = await stack(t, APP, { LIVEPROBE_PREPARE: 'app', CRASH: '1' });
  const action = await exceptionAction(cp, events);
  assert.match(action.path, PREPARED_PATH);
  await fetch(`${shop.url}/settle?customer=lin`).catch(() => undefined);
  assert.deepEqual(
    await shop.exited,
    { code: 1, signal: null },
    'Node ends the app on an unhandled rejection (--unhandled-rejections=throw)',
  );
  assert.match(shop.output(), /Error: ledger lin is closed/, 'Node still prints the error');
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot of the rejection');
  assert.equal(s.exception?.rejection, true);
  assert.equal(s.location.line, lineOf(APP, 'throw-settle'));
  assert.equal(find(s.locals, 'ledger').t, 'object');
});

for (const callerTwin of [false, true])
  test(`LIVEPROBE_PREPARE=app in a TypeScript app: the throw site, its stack and its caller are named in the TypeScript source${callerTwin ? ', the caller running its twin' : ''}`, async (t) => {
    const TS = 'test/fixtures/failing-ts/server.ts';
    const out = await tempDir('liveprobe-prepared-ts-');
    t.after(() => out.remove());
    await compileTypeScript([fromRoot(TS)], { outDir: out.path, module: 'commonjs' });
    const { cp, snapshots, events, shop } = await stack(t, join(out.path, 'server.js'), { LIVEPROBE_PREPARE: 'app' }, 'cjs');
    const action = await exceptionAction(cp, events, { errorType: 'RangeError' });
    assert.match(action.path, PREPARED_PATH);
    if (callerTwin) {
      // A log on the handler's own site: the handler runs its twin, so the caller frame is in it.
      const { action: log } = await addAction(cp, {
        type: 'log',
        file: TS,
        line: lineOf(TS, 'pending'),
        template: 'pending',
        tags: ['e2e'],
      });
      const status = await events.waitFor(installedWith(log.id), WAIT, 'the log installs');
      assert.equal((status.data as { message?: string }).message, 'prepared site (no breakpoint)');
    }

    assert.equal((await fetch(`${shop.url}/?order=o-7&cents=9000`)).status, 500);
    const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the exception snapshot');
    assertRefundThrowSite(s);
    assert.equal(find(s.locals, 'request').t, 'object');
    assert.match(s.frames?.[0]?.location.file ?? '', /failing-ts\/server\.ts$/, 'the caller too');
    assert.equal(s.frames?.[0]?.location.line, lineOf(TS, 'call-refund'), 'on the line of its call');
    assert.match(s.stack[1]?.file ?? '', /failing-ts\/server\.ts$/, 'the stack’s caller frame too');
    assert.equal(s.stack[1]?.line, lineOf(TS, 'call-refund'));
  });

for (const prepare of ['build', 'load'] as const) {
  test(`an app not prepared in full (prepared ${prepare === 'build' ? 'at build time' : 'as it loads'}) takes the breakpoint path; its snapshots show the app's variables, none of the agent's $lp bindings`, async (t) => {
    const dir = await tempDir('liveprobe-partly-prepared-');
    t.after(() => dir.remove());
    mkdirSync(join(dir.path, 'prepared'));
    const script = join(dir.path, 'prepared', 'failing-app.mjs');
    copyFileSync(fromRoot(APP), script);
    // An app file loaded with it and left as written: exception actions pause at thrown errors.
    const plain = join(dir.path, 'plain.mjs');
    writeFileSync(plain, 'globalThis.plainLoaded = true;\n');
    let env: Record<string, string> = {};
    if (prepare === 'build') {
      const prepared = await cli(['prepare', join(dir.path, 'prepared')], { server: 'http://127.0.0.1:9' });
      assert.equal(prepared.code, 0, prepared.stderr);
    } else env = { LIVEPROBE_PREPARE: `${dir.path}/prepared/**` };
    const cp = await controlPlane(t);
    const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
    const events = await sseEvents(cp.url);
    t.after(() => events.close());
    const shop = await app(t, { script, broker: cp.mqttUrl, module: 'esm', env, extraImports: [plain] });
    const action = await exceptionAction(cp, events);
    assert.match(action.path, /^breakpoint path: the app pauses at each thrown error \(.*plain\.mjs is not prepared/);

    assert.equal((await fetch(`${shop.url}/charge?card=expired&customer=grace&amount=19.99`)).status, 500);
    const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the exception snapshot');
    assert.equal(s.location.line, lineOf(APP, 'throw-charge'));
    assert.deepEqual(find(s.locals, 'cents'), { t: 'number', v: 1999 });
    const module = s.scopes.find((scope) => scope.kind === 'module');
    assert.equal(find(module?.variables ?? [], 'gateway').t, 'object');
    const names = [...s.scopes.flatMap((scope) => scope.variables), ...s.locals, ...s.arguments].map((v) => v.name);
    assert.deepEqual(
      names.filter((name) => name.startsWith('$lp')),
      [],
      'the prepared file’s flags and helpers are the agent’s',
    );
  });
}
