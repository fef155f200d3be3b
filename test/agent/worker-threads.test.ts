/**
 * Actions in the app's worker threads (docs/configuration.md, "Child processes and worker
 * threads"): a file only a `node:worker_threads` Worker loads gets its log and snapshot actions
 * installed there, by the process's one agent, whose status says where; a worker started after
 * the action picks it up, and one that ends takes its breakpoints with it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionStatusEvent, OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, type SseEvent } from '../helpers/index.js';
import { addAction, app, controlPlane, isOutput, isStatus } from './fixtures.js';
import { find, snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;
const SERVER = 'test/fixtures/worker-threads/server.mjs';
const ESM = 'test/fixtures/worker-threads/pricing-worker.mjs';
const CJS = 'test/fixtures/worker-threads/pricing-worker.cjs';

async function get(url: string): Promise<string> {
  const response = await fetch(url);
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return text;
}

const installedIn = (actionId: string, thread: RegExp) => (event: SseEvent) =>
  isStatus(actionId, 'installed')(event) && thread.test((event.data as ActionStatusEvent).message ?? '');

test('a log and a snapshot action on a file only an ES module worker thread loads install in that thread and report its values', async (t) => {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: SERVER, broker: cp.mqttUrl, agentId: 'threads-esm' });
  const threadId = /started (\d+)/.exec(await get(`${shop.url}/start?kind=esm`))?.[1];
  assert.ok(threadId !== undefined);

  const line = lineOf(ESM, 'price-esm');
  const log = await addAction(cp, {
    type: 'log',
    file: ESM,
    line,
    template: 'priced {order.amount} in {order.thread}: {total}',
    tags: ['e2e'],
  });
  const snap = await addAction(cp, { type: 'snapshot', file: ESM, line, tags: ['e2e'] });
  const where = new RegExp(`installed in worker thread ${threadId} \\(pricing-esm\\)`);
  for (const { action } of [log, snap])
    await events.waitFor(installedIn(action.id, where), WAIT, `${action.id} installed in the worker thread`);

  assert.equal(await get(`${shop.url}/price?kind=esm&amount=4`), '13');
  const output = await events.waitFor(isOutput(log.action.id), WAIT, 'the log line from the worker thread');
  assert.equal((output.data as OutputEvent).message, `priced 4 in ${threadId}: 13`);
  assert.equal((output.data as OutputEvent).agentId, 'threads-esm', "the process's one agent");
  const shot = await snapshots.waitFor((s) => s.actionId === snap.action.id, WAIT, 'the snapshot from the worker thread');
  assert.equal(shot.snapshot.location.line, line);
  assert.deepEqual(find(shot.snapshot.locals, 'total'), { t: 'number', v: 13 });
  assert.equal(shot.agentId, 'threads-esm');
});

test('a CommonJS worker thread started after the action picks it up, and one that ends takes it with it', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: SERVER, broker: cp.mqttUrl, agentId: 'threads-cjs' });
  const line = lineOf(CJS, 'price-cjs');
  const log = await addAction(cp, { type: 'log', file: CJS, line, template: 'priced {order.amount}: {total}', tags: ['e2e'] });
  // No thread has loaded the file yet: the main thread's engine says so.
  await events.waitFor(isStatus(log.action.id, 'pending'), WAIT, 'pending while no thread loaded the file');

  const threadId = /started (\d+)/.exec(await get(`${shop.url}/start?kind=cjs`))?.[1];
  const installedEvent = await events.waitFor(
    installedIn(log.action.id, new RegExp(`worker thread ${threadId} `)),
    WAIT,
    'installed in the new thread',
  );
  assert.equal(await get(`${shop.url}/price?kind=cjs&amount=3`), '17');
  const output = await events.waitFor(isOutput(log.action.id), WAIT, 'the log line from the worker thread');
  assert.equal((output.data as OutputEvent).message, 'priced 3: 17');

  assert.equal(await get(`${shop.url}/stop?kind=cjs`), 'stopped');
  const installedAt = events.events().indexOf(installedEvent);
  await events.waitFor(
    (event) => events.events().indexOf(event) > installedAt && isStatus(log.action.id, 'pending')(event),
    WAIT,
    'pending again once the thread ended',
  );
  // A thread started again gets the action again.
  const again = /started (\d+)/.exec(await get(`${shop.url}/start?kind=cjs`))?.[1];
  assert.notEqual(again, threadId);
  await events.waitFor(installedIn(log.action.id, new RegExp(`worker thread ${again} `)), WAIT, 'installed in the thread started again');
  assert.equal(await get(`${shop.url}/price?kind=cjs&amount=5`), '27');
  await events.waitFor(
    isOutput(log.action.id, (e) => e.message === 'priced 5: 27'),
    WAIT,
    'the log line from the second thread',
  );
});
