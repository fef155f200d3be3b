// Actions on a line whose own statement throws without a `throw` (a builtin that throws, a read
// of null, a call of a non-function) while an exception action pauses at thrown errors (the
// breakpoint path). V8 runs the conditions of the statement's breakpoints once more when it throws,
// to decide whether they mute the exception pause: each action there used to run twice a throw
// (a log printed its line twice), and the conditions' false muted the pause, so the exception
// action never saw an error thrown on such a line.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, type SseEvent, waitFor } from '../helpers/index.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';
import { snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;
const APP = 'test/fixtures/raise-lines.cjs';
const FILE = 'raise-lines.cjs';

const outputs = (events: { events(): SseEvent[] }, actionId: string) =>
  events
    .events()
    .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === actionId)
    .map((e) => e.data as OutputEvent);

/** The lines each of `messages` was captured at by the exception action, in arrival order. */
const capturedLines = (snapshots: Awaited<ReturnType<typeof snapshotsOnBroker>>, exception: string, messages: readonly string[]) =>
  Object.fromEntries(
    messages.map((message) => [
      message,
      snapshots
        .items()
        .filter((e) => e.actionId === exception && e.snapshot.exception?.message === message)
        .map((e) => e.snapshot.location.line),
    ]),
  );

/**
 * `prepare`: which files are prepared as they load. `app` puts the actions on prepared sites; with
 * only express's files prepared, they take breakpoints while the agent's `Error.prepareStackTrace`
 * accessor is installed (a prepared file bound), which the frame's read goes through.
 */
async function throwEverywhere(
  t: TestContext,
  prepare?: 'app' | 'node_modules/express/**',
  env: Record<string, string> = {},
): Promise<void> {
  const prepared = prepare === 'app';
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, {
    script: APP,
    broker: cp.mqttUrl,
    module: 'cjs',
    env: { ...env, ...(prepare === undefined ? {} : { LIVEPROBE_PREPARE: prepare }) },
  });
  const log = async (marker: string, template: string) =>
    (await addAction(cp, { type: 'log', file: FILE, line: lineOf(APP, marker), template, tags: ['e2e'] })).action.id;
  const ids = {
    parse: await log('raise-parse', 'parse {body}'),
    name: await log('raise-null', 'name of {order.customer}'),
    total: await log('raise-async', 'total of {order.lines}'),
    ship: await log('raise-call', 'ship to {order.address}'),
    receipt: await log('raise-callee', 'receipt {order.id}'),
    notify: await log('raise-notify', 'notify {order.id}'),
    refund: await log('raise-throw-await', 'refund {order.id}'),
    step: await log('raise-throw-yield', 'step {order.id} after {seen}'),
  };
  // A counter and a snapshot beside a log: each action on such a line hits once a run too.
  const counter = (
    await addAction(cp, { type: 'counter', name: 'orders.named', file: FILE, line: lineOf(APP, 'raise-null'), tags: ['e2e'] })
  ).action.id;
  const snapshot = (await addAction(cp, { type: 'snapshot', file: FILE, line: lineOf(APP, 'raise-callee'), maxHits: 10, tags: ['e2e'] }))
    .action.id;
  const exception = (await addAction(cp, { type: 'exception', tags: ['e2e'], ratePerMinute: 60 })).action.id;
  for (const id of [counter, snapshot]) assert.match(await installed(cp, id), prepared ? /^installed: prepared/ : /^installed: breakpoint/);
  for (const id of Object.values(ids)) assert.match(await installed(cp, id), prepared ? /^installed: prepared/ : /^installed: breakpoint/);
  await installed(cp, exception);

  const get = async (route: string) => (await fetch(`${shop.url}${route}`)).text();
  // Caught by Express's error middleware (sync, and async through next) or by nobody.
  assert.equal(await get('/parse?body=oops'), 'handled: Unexpected token \'o\', "oops" is not valid JSON');
  assert.equal(await get('/parse?body=%7B%22id%22%3A1%7D'), 'id 1');
  assert.equal(await get('/parse?body=nope'), 'handled: Unexpected token \'o\', "nope" is not valid JSON');
  assert.equal(await get('/name'), "reported: Cannot read properties of null (reading 'name')");
  assert.equal(await get('/name?customer=ada'), 'name ada');
  assert.equal(await get('/total'), "handled: Cannot read properties of undefined (reading 'map')");
  assert.equal(await get('/total?price=3'), 'total 3');
  assert.equal(await get('/total-lost'), "reported: Cannot read properties of undefined (reading 'map')");
  assert.equal(await get('/ship'), 'handled: order.address.toUpperCase is not a function');
  // A call of a binding that holds no function, where V8 stops: the statement's first call.
  assert.equal(await get('/receipt?id=1'), 'handled: printer is not a function');
  assert.equal(await get('/receipt?id=2&printer=1'), 'receipt 2');
  assert.equal(await get('/receipt?id=3'), 'handled: printer is not a function');
  assert.equal(await get('/settle?id=4'), 'reported: notify is not a function');
  assert.equal(await get('/settle?id=5&notify=1'), 'settled');
  assert.equal(await get('/settle?id=6'), 'reported: notify is not a function');
  // `throw await …` and `throw yield …`.
  assert.equal(await get('/refund?id=7'), 'handled: refund 7 refused');
  assert.equal(await get('/refund?id=ok'), 'refunded');
  assert.equal(await get('/refund-lost?id=8'), 'reported: refund 8 refused');
  assert.equal(await get('/steps?id=9'), 'handled: step 9 after one');

  // One line per run, whether the line threw or not (checked again below, once the snapshots are in).
  const expected: Record<keyof typeof ids, string[]> = {
    parse: ['parse oops', 'parse {"id":1}', 'parse nope'],
    name: ['name of null', 'name of { name: "ada" }'],
    total: ['total of undefined', 'total of [{ price: 3 }]', 'total of undefined'],
    ship: ['ship to 7'],
    receipt: ['receipt 1', 'receipt 2', 'receipt 3'],
    notify: ['notify 4', 'notify 5', 'notify 6'],
    refund: ['refund 7', 'refund 8'],
    step: ['step 9 after one'],
  };
  const printed = () => Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, outputs(events, id).map((o) => o.message)]));
  // Every variant's lines, then one comparison: a failure shows each variant that went wrong.
  const settled = (done: () => boolean, what: string) => waitFor(done, WAIT, what).catch(() => undefined);
  await settled(() => Object.entries(expected).every(([name, lines]) => printed()[name]!.length >= lines.length), 'the log lines');
  assert.deepEqual(printed(), expected);

  // The exception action sees each error at the line that threw it, though an action sits there.
  // Each error at its line; on prepared sites an expression's at its function's first line
  // (docs/PREPARE.md: the catch around the body sees it), a `throw`'s exactly.
  const at = (line: string, fn?: string) => lineOf(APP, prepared && fn !== undefined ? fn : line);
  const lines: Record<string, number[]> = {
    'Unexpected token \'o\', "oops" is not valid JSON': [at('raise-parse', 'fn-parse')],
    'Unexpected token \'o\', "nope" is not valid JSON': [at('raise-parse', 'fn-parse')],
    "Cannot read properties of null (reading 'name')": [at('raise-null', 'fn-null')],
    "Cannot read properties of undefined (reading 'map')": [at('raise-async', 'fn-async'), at('raise-async', 'fn-async')],
    'order.address.toUpperCase is not a function': [at('raise-call', 'fn-call')],
    'printer is not a function': [at('raise-callee', 'fn-callee'), at('raise-callee', 'fn-callee')],
    'notify is not a function': [at('raise-notify', 'fn-notify'), at('raise-notify', 'fn-notify')],
    'refund 7 refused': [at('raise-throw-await')],
    'refund 8 refused': [at('raise-throw-await')],
    'step 9 after one': [at('raise-throw-yield')],
  };
  const captured = () => capturedLines(snapshots, exception, Object.keys(lines));
  await settled(() => Object.entries(lines).every(([message, at]) => captured()[message]!.length >= at.length), 'the exception snapshots');
  assert.deepEqual(captured(), lines);
  assert.deepEqual(printed(), expected);
  const counted = () => outputs(events, counter).reduce((sum, o) => sum + (o.hits ?? 1), 0);
  const snapshotted = () => snapshots.items().filter((e) => e.actionId === snapshot).length;
  await settled(() => counted() >= 2 && snapshotted() >= 3, 'the counter and the snapshots');
  assert.deepEqual({ counted: counted(), snapshotted: snapshotted() }, { counted: 2, snapshotted: 3 });
}

test('breakpoint path: a log on a line that throws without `throw` prints once a run, and the exception action captures the error thrown there', async (t) => {
  await throwEverywhere(t);
});

test("breakpoint path beside a prepared file: the frame is read through the agent's own stack formatter, so a log on a line that throws without `throw` still prints once a run", async (t) => {
  await throwEverywhere(t, 'node_modules/express/**');
});

test("breakpoint path beside a prepared file, the app's own stack formatter assigned behind the agent's accessor: the frame is still read, without running it", async (t) => {
  await throwEverywhere(t, 'node_modules/express/**', { APP_FORMATTER: '1' });
});

test('prepared sites: a log on a line that throws without `throw` prints once a run, and the exception action captures the error thrown there', async (t) => {
  await throwEverywhere(t, 'app');
});

const status = (actionId: string, pattern: RegExp) => (event: SseEvent) =>
  event.event === 'action_status' &&
  (event.data as { actionId: string }).actionId === actionId &&
  pattern.test((event.data as { message?: string }).message ?? '');

test('breakpoint path, uncaught errors only: a log on a line that throws without `throw` prints once a run, and the exception action captures the uncaught error thrown there', async (t) => {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: APP, broker: cp.mqttUrl, module: 'cjs' });
  const log = async (marker: string, template: string) =>
    (await addAction(cp, { type: 'log', file: FILE, line: lineOf(APP, marker), template, tags: ['e2e'] })).action.id;
  const ids = { name: await log('raise-null', 'name of {order.customer}'), total: await log('raise-async', 'total of {order.lines}') };
  const exception = (await addAction(cp, { type: 'exception', tags: ['e2e'], ratePerMinute: 60 })).action.id;
  for (const id of Object.values(ids)) assert.match(await installed(cp, id), /^installed: breakpoint/);
  assert.match(await installed(cp, exception), /^installed: breakpoint path/);

  const get = async (path: string) => (await fetch(`${shop.url}${path}`)).text();
  assert.equal(await get('/burst?times=60'), 'bad 60');
  await events.waitFor(status(exception, /watching uncaught errors only/), WAIT, 'the status saying caught errors are not watched');
  // V8 now runs the line's condition again only at a throw it predicts nobody catches.
  assert.equal(await get('/name'), "reported: Cannot read properties of null (reading 'name')");
  assert.equal(await get('/name?customer=ada'), 'name ada');
  assert.equal(await get('/total-lost'), "reported: Cannot read properties of undefined (reading 'map')");

  const expected = { name: ['name of null', 'name of { name: "ada" }'], total: ['total of undefined'] };
  const printed = () => ({
    name: outputs(events, ids.name).map((o) => o.message),
    total: outputs(events, ids.total).map((o) => o.message),
  });
  const lines = {
    "Cannot read properties of null (reading 'name')": [lineOf(APP, 'raise-null')],
    "Cannot read properties of undefined (reading 'map')": [lineOf(APP, 'raise-async')],
  };
  const captured = () => capturedLines(snapshots, exception, Object.keys(lines));
  await waitFor(
    () => Object.values(captured()).every((at) => at.length > 0) && printed().name.length >= 2 && printed().total.length >= 1,
    WAIT,
    'the log lines and the exception snapshots',
  ).catch(() => undefined);
  assert.deepEqual(captured(), lines);
  assert.deepEqual(printed(), expected);
});
