// Actions on a line holding a `throw` statement while an exception action pauses at thrown errors
// (the breakpoint path). V8 runs the conditions of a statement's breakpoints once more when it
// throws, to decide whether they mute the exception pause: each action there used to run twice a
// throw (a log printed its line twice, a counter counted 2), and the conditions' false muted the
// pause, so the exception action never saw an error thrown on such a line.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, type SseEvent, waitFor } from '../helpers/index.js';
import { addAction, app, controlPlane, installed } from './fixtures.js';
import { snapshotsOnBroker } from './snapshot-events.js';
import { throwLinesInCooldown } from './throw-lines-cooldown.js';
import { throwLinesAcrossScriptPauses } from './throw-lines-script-pauses.js';

const WAIT = 15_000;
const APP = 'test/fixtures/throw-lines.cjs';
const FILE = 'throw-lines.cjs';

async function stack(t: TestContext, env: Record<string, string> = {}) {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: APP, broker: cp.mqttUrl, module: 'cjs', env });
  const on = (marker: string) => ({ file: FILE, line: lineOf(APP, marker), tags: ['e2e'] });
  const ids = {
    retryLog: (await addAction(cp, { type: 'log', ...on('throw-retry'), template: 'retry {i}' })).action.id,
    rethrowCounter: (await addAction(cp, { type: 'counter', name: 'retry.rethrows', ...on('rethrow-retry') })).action.id,
    settleSnapshot: (await addAction(cp, { type: 'snapshot', ...on('throw-settle') })).action.id,
    explodeLog: (await addAction(cp, { type: 'log', ...on('throw-explode'), template: 'explode {who}' })).action.id,
    builtLog: (await addAction(cp, { type: 'log', ...on('throw-built'), template: 'built {n}' })).action.id,
    exception: (await addAction(cp, { type: 'exception', tags: ['e2e'], ratePerMinute: 60 })).action.id,
  };
  const paths: Record<string, string> = {};
  for (const [name, id] of Object.entries(ids)) paths[name] = await installed(cp, id);
  return { cp, snapshots, events, shop, ids, paths };
}

const outputs = (events: { events(): SseEvent[] }, actionId: string) =>
  events
    .events()
    .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === actionId)
    .map((e) => e.data as OutputEvent);

async function throwEverywhere(t: TestContext, env: Record<string, string>, path: RegExp): Promise<void> {
  const { snapshots, events, shop, ids, paths } = await stack(t, env);
  for (const name of ['retryLog', 'rethrowCounter', 'settleSnapshot', 'explodeLog', 'builtLog'] as const)
    assert.match(paths[name]!, path, name);

  assert.equal(await (await fetch(`${shop.url}/retry?times=3`)).text(), 'reported: attempt 2 failed');
  assert.equal(await (await fetch(`${shop.url}/settle?who=lin`)).text(), 'reported: ledger lin is closed');
  assert.equal(await (await fetch(`${shop.url}/explode?who=bo`)).text(), 'reported: exploded for bo');
  // The operand's own call throws first: that run of the line ends in another statement's throw.
  for (const [n, reported] of [
    [-1, 'negative -1'],
    [1, 'built 1'],
    [2, 'built 2'],
  ] as const)
    assert.equal(await (await fetch(`${shop.url}/build?n=${n}`)).text(), `reported: ${reported}`);

  // One hit per run of each line: a throw in a loop counts once an iteration.
  await waitFor(() => outputs(events, ids.retryLog).length >= 3 && outputs(events, ids.explodeLog).length >= 1, WAIT, 'the log lines');
  assert.deepEqual(
    outputs(events, ids.retryLog).map((o) => o.message),
    ['retry 0', 'retry 1', 'retry 2'],
  );
  assert.deepEqual(
    outputs(events, ids.explodeLog).map((o) => o.message),
    ['explode bo'],
  );
  await waitFor(() => outputs(events, ids.builtLog).length >= 3, WAIT, 'the built lines');
  assert.deepEqual(
    outputs(events, ids.builtLog).map((o) => o.message),
    ['built -1', 'built 1', 'built 2'],
  );
  await waitFor(() => outputs(events, ids.rethrowCounter).length >= 1, WAIT, 'the counter line');
  assert.equal(
    outputs(events, ids.rethrowCounter).reduce((sum, o) => sum + (o.hits ?? 1), 0),
    1,
    'the rethrow ran once',
  );
  await snapshots.waitFor((e) => e.actionId === ids.settleSnapshot, WAIT, 'the snapshot of the async throw line');

  // The exception action sees each error at the line that threw it, though an action sits there.
  const thrown = async (message: string, marker: string) => {
    const { snapshot } = await snapshots.waitFor(
      (e) => e.actionId === ids.exception && e.snapshot.exception?.message === message,
      WAIT,
      `the exception snapshot of ${message}`,
    );
    assert.equal(snapshot.location.line, lineOf(APP, marker), `${message}: captured where it was thrown`);
  };
  await thrown('attempt 2 failed', 'throw-retry');
  await thrown('ledger lin is closed', 'throw-settle');
  await thrown('exploded for bo', 'throw-explode');
  await thrown('negative -1', 'throw-negative');
  // The run after it is set right again (on the breakpoint path, at the cost of one pause).
  await thrown('built 1', 'throw-built');
  await thrown('built 2', 'throw-built');
  const settled = snapshots.items().filter((e) => e.actionId === ids.settleSnapshot);
  assert.equal(settled.length, 1, 'one snapshot of the async throw line');
}

test('breakpoint path: actions on throw lines hit once a run, and the exception action captures the errors thrown there', async (t) => {
  await throwEverywhere(t, {}, /^installed: breakpoint/);
});

test('prepared sites: actions on throw lines hit once a run, and the exception action captures the errors thrown there', async (t) => {
  await throwEverywhere(t, { LIVEPROBE_PREPARE: 'app' }, /^installed: prepared/);
});

test('breakpoint path, while the exception action watches uncaught errors only: a log on a throw line prints once at an uncaught throw there, and the exception action captures it', async (t) => {
  await throwLinesInCooldown(t);
});

test('breakpoint path, with an action waiting for a file not loaded: a pause before a new script between two throws of a throw line shifts none of its runs', async (t) => {
  await throwLinesAcrossScriptPauses(t);
});

const HONO = 'test/fixtures/handled-errors/hono.cjs';

test("Hono: a log on an async handler's throw line prints once a request, and the error Hono catches there is captured", async (t) => {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: HONO, broker: cp.mqttUrl, module: 'cjs', env: { ON_ERROR: '1' } });
  const on = (marker: string, template: string) =>
    addAction(cp, { type: 'log', file: 'hono.cjs', line: lineOf(HONO, marker), template, tags: ['e2e'] });
  const early = (await on('hono-early', 'early {who}')).action.id;
  const composed = (await on('hono-api-early', 'api early {who}')).action.id;
  const exception = (await addAction(cp, { type: 'exception', tags: ['e2e'], ratePerMinute: 60 })).action.id;
  for (const id of [early, composed]) assert.match(await installed(cp, id), /^installed: breakpoint/);
  assert.match(await installed(cp, exception), /^installed: breakpoint path/);

  for (const [path, body] of [
    ['/early?who=ada', 'sorry: early ada'],
    ['/early?who=cy', 'sorry: early cy'],
    ['/api/early?who=bo', 'sorry: early api bo'],
  ] as const)
    assert.equal(await (await fetch(`${shop.url}${path}`)).text(), body, "Hono's onError still answers");

  await waitFor(() => outputs(events, early).length >= 2 && outputs(events, composed).length >= 1, WAIT, 'the log lines');
  assert.deepEqual(
    outputs(events, early).map((o) => o.message),
    ['early ada', 'early cy'],
  );
  assert.deepEqual(
    outputs(events, composed).map((o) => o.message),
    ['api early bo'],
  );
  for (const [message, marker] of [
    ['early ada', 'hono-early'],
    ['early cy', 'hono-early'],
    ['early api bo', 'hono-api-early'],
  ] as const) {
    const { snapshot } = await snapshots.waitFor(
      (e) => e.actionId === exception && e.snapshot.exception?.message === message,
      WAIT,
      `the snapshot of ${message}`,
    );
    assert.equal(snapshot.location.line, lineOf(HONO, marker));
  }
});
