// Exception actions on a target reached with `liveprobe attach`, over a second CDP connection
// that pauses the target at thrown errors (agent/src/remote/exception-link.ts): Node processes
// started with --inspect=0, running no agent.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ActionStatusEvent, OutputEvent } from '@liveprobe/protocol';
import { Child, builtFile } from '@liveprobe/harness';
import { lineOf, sseEvents, type SseEvent, waitFor } from '../helpers/index.js';
import { addAction, controlPlane } from '../agent/fixtures.js';
import { find, snapshotsOnBroker } from '../agent/snapshot-events.js';
import { assertAttachedAdvice, attachCli, WAIT } from './fixtures.js';

const FAILING = 'test/fixtures/failing-app.mjs';
const EXPRESS = 'test/fixtures/handled-errors/express.cjs';
const THROWS = 'test/fixtures/throw-lines.cjs';
const RAISES = 'test/fixtures/raise-lines.cjs';

const isStatus = (actionId: string, state: string) => (event: SseEvent) =>
  event.event === 'action_status' &&
  (event.data as ActionStatusEvent).actionId === actionId &&
  (event.data as ActionStatusEvent).state === state;

/** `node --inspect=127.0.0.1:0 <script>`: no agent; its inspector's host:port and its URL. */
async function inspected(t: TestContext, script: string, env: Record<string, string> = {}) {
  const child = new Child(process.execPath, ['--inspect=127.0.0.1:0', builtFile(script)], { name: 'inspected app', env });
  t.after(() => child.stop('SIGKILL'));
  const [, endpoint] = await child.waitForMatch(/Debugger listening on ws:\/\/(127\.0\.0\.1:\d+)\//, WAIT, 'the inspector port');
  const [, url] = await child.waitForMatch(/listening on (http:\/\/\S+)/, WAIT, '`listening on`');
  return { child, endpoint: endpoint!, url: url! };
}

async function stack(t: TestContext, script: string, env: Record<string, string> = {}) {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const target = await inspected(t, script, env);
  const sidecar = await attachCli(t, ['--inspect', target.endpoint, '--tag', 'attached', '--agent-id', 'sidecar-exc'], cp);
  return { cp, snapshots, events, target, sidecar };
}

test('attach: an uncaught error in a Node process gives a snapshot of its throw site; the log action beside it keeps printing', async (t) => {
  const { cp, snapshots, events, target, sidecar } = await stack(t, FAILING);
  const log = await addAction(cp, {
    type: 'log',
    file: FAILING,
    line: lineOf(FAILING, 'throw-validate'),
    template: 'validating {order.customer}',
    tags: ['attached'],
  });
  await events.waitFor(isStatus(log.action.id, 'installed'), WAIT, 'the log action installed');
  const { action } = await addAction(cp, { type: 'exception', tags: ['attached'] });
  const installed = await events.waitFor(isStatus(action.id, 'installed'), WAIT, 'the exception action installed');
  await assertAttachedAdvice(sidecar, (installed.data as ActionStatusEvent).message);

  const response = await fetch(`${target.url}/charge?card=expired&customer=grace&amount=19.99`);
  assert.equal(response.status, 500, "the app's own uncaughtException handler still answers");
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the exception snapshot');
  assert.equal(s.exception?.message, 'card of grace declined after 3 attempts');
  assert.deepEqual(s.exception?.causes, [{ type: 'TypeError', message: 'gateway eu-west refused card_declined' }]);
  assert.equal(s.location.line, lineOf(FAILING, 'throw-charge'));
  assert.equal(s.location.function, 'chargeCard');
  assert.deepEqual(find(s.locals, 'cents'), { t: 'number', v: 1999 });
  assert.deepEqual(find(s.arguments, 'attempt'), { t: 'number', v: 3 });

  // The exception watch's own connection leaves the other actions' breakpoints alone.
  assert.equal((await fetch(`${target.url}/validate?customer=lin&amount=5`)).status, 200);
  const output = await events.waitFor(
    (e) => e.event === 'output' && (e.data as OutputEvent).actionId === log.action.id,
    WAIT,
    'the log line',
  );
  assert.equal((output.data as OutputEvent).message, 'validating lin');

  assert.equal(await sidecar.detach(), 0, sidecar.child.output());
  const after = await fetch(`${target.url}/charge?card=expired&customer=bo`);
  assert.equal(after.status, 500, 'detached, the app goes on as before');
});

test('attach: a log on a throw line prints once a throw, and the exception action still captures the error thrown there', async (t) => {
  const { cp, snapshots, events, target } = await stack(t, THROWS);
  const log = await addAction(cp, {
    type: 'log',
    file: THROWS,
    line: lineOf(THROWS, 'throw-retry'),
    template: 'retry {i}',
    tags: ['attached'],
  });
  await events.waitFor(isStatus(log.action.id, 'installed'), WAIT, 'the log action installed');
  const { action } = await addAction(cp, { type: 'exception', tags: ['attached'] });
  await events.waitFor(isStatus(action.id, 'installed'), WAIT, 'the exception action installed');

  assert.equal(await (await fetch(`${target.url}/retry?times=3`)).text(), 'reported: attempt 2 failed');
  const lines = () =>
    events
      .events()
      .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === log.action.id)
      .map((e) => (e.data as OutputEvent).message);
  await waitFor(() => lines().length >= 3, WAIT, 'the log lines');
  assert.deepEqual(lines(), ['retry 0', 'retry 1', 'retry 2']);
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the exception snapshot');
  assert.equal(s.exception?.message, 'attempt 2 failed');
  assert.equal(s.location.line, lineOf(THROWS, 'throw-retry'));
});

test('attach: a log on a line that throws without `throw` prints once a run, and the exception action still captures the error thrown there', async (t) => {
  const { cp, snapshots, events, target } = await stack(t, RAISES);
  const logOn = async (marker: string, template: string) => {
    const { action } = await addAction(cp, { type: 'log', file: RAISES, line: lineOf(RAISES, marker), template, tags: ['attached'] });
    await events.waitFor(isStatus(action.id, 'installed'), WAIT, `the log on ${marker} installed`);
    return action.id;
  };
  const parse = await logOn('raise-parse', 'parse {body}');
  const receipt = await logOn('raise-callee', 'receipt {order.id}');
  const { action } = await addAction(cp, { type: 'exception', tags: ['attached'] });
  await events.waitFor(isStatus(action.id, 'installed'), WAIT, 'the exception action installed');

  const get = async (route: string) => (await fetch(`${target.url}${route}`)).text();
  assert.equal(await get('/parse?body=oops'), 'handled: Unexpected token \'o\', "oops" is not valid JSON');
  assert.equal(await get('/parse?body=%7B%22id%22%3A1%7D'), 'id 1');
  assert.equal(await get('/receipt?id=1'), 'handled: printer is not a function');
  assert.equal(await get('/receipt?id=2&printer=1'), 'receipt 2');
  const lines = (id: string) =>
    events
      .events()
      .filter((e) => e.event === 'output' && (e.data as OutputEvent).actionId === id)
      .map((e) => (e.data as OutputEvent).message);
  for (const [message, marker] of [
    ['Unexpected token \'o\', "oops" is not valid JSON', 'raise-parse'],
    ['printer is not a function', 'raise-callee'],
  ] as const) {
    const { snapshot: s } = await snapshots.waitFor(
      (e) => e.actionId === action.id && e.snapshot.exception?.message === message,
      WAIT,
      message,
    );
    assert.equal(s.location.line, lineOf(RAISES, marker));
  }
  await waitFor(() => lines(parse).length >= 2 && lines(receipt).length >= 2, WAIT, 'the log lines');
  assert.deepEqual(lines(parse), ['parse oops', 'parse {"id":1}']);
  assert.deepEqual(lines(receipt), ['receipt 1', 'receipt 2']);
});

test('attach: a Node process with no uncaughtException handler still exits with code 1, after its snapshot is handed off', async (t) => {
  const { cp, snapshots, events, target, sidecar } = await stack(t, FAILING, { CRASH: '1' });
  const { action } = await addAction(cp, { type: 'exception', tags: ['attached'], frames: 1 });
  await events.waitFor(isStatus(action.id, 'installed'), WAIT, 'the exception action installed');
  await fetch(`${target.url}/lookup?customer=kim`, { signal: AbortSignal.timeout(8000) }).catch(() => undefined);
  const status = await target.child.exited;
  assert.equal(status.code, 1, 'Node exits as it would without liveprobe');
  assert.match(target.child.output(), /TypeError: Cannot read properties of null \(reading 'items'\)/);
  // Node waits for attached debuggers before it exits: the sidecar leaves when told it is waiting.
  await sidecar.child.exited;
  assert.match(sidecar.child.output(), /error: the target is exiting \(ws:\/\/127\.0\.0\.1:\d+\/[^)]+\); the sidecar stopped/);
  // The process is gone: its snapshot was handed off while it was paused at the throw.
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot of the crash');
  assert.equal(s.exception?.type, 'TypeError');
  assert.equal(s.location.line, lineOf(FAILING, 'throw-lookup'));
  assert.equal(find(s.locals, 'shelf').t, 'null');
});

test('attach: an error Express answers with its error middleware gives a snapshot; one the app swallows gives none', async (t) => {
  const { cp, snapshots, events, target } = await stack(t, EXPRESS, { EXPRESS: 'express' });
  const { action } = await addAction(cp, { type: 'exception', tags: ['attached'], frames: 2 });
  await events.waitFor(isStatus(action.id, 'installed'), WAIT, 'the exception action installed');

  assert.equal(await (await fetch(`${target.url}/swallow?quantity=many`)).text(), 'quantity 1');
  assert.equal((await fetch(`${target.url}/charge?card=expired&customer=grace&amount=19.99`)).status, 500);
  const { snapshot: s } = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the snapshot of the handled error');
  assert.deepEqual(s.exception, { type: 'PaymentError', message: 'card of grace declined (card_declined)', causes: [] });
  assert.equal(s.location.line, lineOf(EXPRESS, 'throw-charge'));
  assert.deepEqual(find(s.locals, 'cents'), { t: 'number', v: 1999 });
  assert.equal(s.frames?.[0]?.location.line, lineOf(EXPRESS, 'call-charge'), 'the caller too');
  assert.deepEqual(
    snapshots.items().map((e) => e.snapshot.exception?.type),
    ['PaymentError'],
    'the RangeError the app swallowed gave no snapshot',
  );
});
