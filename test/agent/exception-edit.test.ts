// Editing an exception action's filters (`liveprobe actions edit`): a running agent catches by
// the new filters from the next error on, its snapshot count going on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cli, lineOf, sseEvents, type SseEvent, waitFor } from '../helpers/index.js';
import { addAction, app, controlPlane, getAction } from './fixtures.js';
import { snapshotsOnBroker } from './snapshot-events.js';

const WAIT = 15_000;
const APP = 'test/fixtures/handled-errors/express.cjs';
const STOCK = 'test/fixtures/handled-errors/stock.cjs';

const installed = (actionId: string, message?: RegExp) => (event: SseEvent) => {
  const data = event.data as { actionId: string; state: string; message?: string };
  return (
    event.event === 'action_status' &&
    data.actionId === actionId &&
    data.state === 'installed' &&
    (message?.test(data.message ?? '') ?? true)
  );
};

test('an edited type filter and frame bound take effect on the running agent; snapshots count on toward the same limit', async (t) => {
  const cp = await controlPlane(t);
  const snapshots = await snapshotsOnBroker(t, cp.mqttUrl);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: APP, broker: cp.mqttUrl, module: 'cjs', env: { EXPRESS: 'express' } });
  const { action } = await addAction(cp, { type: 'exception', tags: ['e2e'], errorType: 'OutOfStockError', frames: 2, maxHits: 3 });
  await events.waitFor(installed(action.id), WAIT, 'the exception action installs');

  assert.equal((await fetch(`${shop.url}/charge?card=expired`)).status, 500);
  assert.equal((await fetch(`${shop.url}/reserve?sku=sku-1&wanted=3`)).status, 500);
  const first = await snapshots.waitFor((e) => e.actionId === action.id, WAIT, 'the OutOfStockError snapshot');
  assert.equal(first.snapshot.location.line, lineOf(STOCK, 'throw-stock'));
  assert.equal(first.snapshot.frames?.length, 1, 'frames 2: the caller too');

  const edited = await cli(['actions', 'edit', action.id, '--type', 'PaymentError', '--message', 'declined', '--frames', '1'], {
    server: cp.url,
  });
  assert.equal(edited.code, 0, edited.stderr);
  await events.waitFor(installed(action.id, /edited filters/), WAIT, 'the agent takes the edited filters');

  // The old filter would take this one; the new one takes the next.
  assert.equal((await fetch(`${shop.url}/reserve?sku=sku-1&wanted=4`)).status, 500);
  assert.equal((await fetch(`${shop.url}/charge?card=expired&customer=ada&amount=5`)).status, 500);
  const second = await snapshots.waitFor((e) => e.actionId === action.id && e.id !== first.id, WAIT, 'the PaymentError snapshot');
  assert.equal(second.snapshot.exception?.type, 'PaymentError');
  assert.equal(second.snapshot.location.line, lineOf(APP, 'throw-charge'));
  assert.equal(second.snapshot.frames, undefined, 'frames 1: the throw site only');
  assert.deepEqual(
    snapshots.items().map((e) => e.snapshot.exception?.type),
    ['OutOfStockError', 'PaymentError'],
    'the OutOfStockError thrown after the edit was not captured',
  );
  await waitFor(
    async () => (await getAction(cp, action.id)).statuses.reduce((sum, s) => sum + s.hits, 0) === 2,
    WAIT,
    'the two snapshots counted on one action',
  );

  // Back to any type: the limit of 3 counts the snapshots from before the edits.
  const widened = await cli(['actions', 'edit', action.id, '--no-type', '--no-message'], { server: cp.url });
  assert.equal(widened.code, 0, widened.stderr);
  await events.waitFor(
    (e) => installed(action.id, /edited filters/)(e) && events.events().filter(installed(action.id, /edited filters/)).length === 2,
    WAIT,
    'the second edit taken',
  );
  assert.equal((await fetch(`${shop.url}/reserve?sku=sku-1&wanted=6`)).status, 500);
  await snapshots.waitFor(() => snapshots.items().length === 3, WAIT, 'the third snapshot, of any type again');
  await events.waitFor(
    (e) =>
      e.event === 'action_status' &&
      (e.data as { actionId: string; state: string }).actionId === action.id &&
      (e.data as { state: string }).state === 'hit_limit',
    WAIT,
    'the third snapshot in all reaches the limit',
  );
  assert.deepEqual(
    snapshots.items().map((e) => e.snapshot.exception?.type),
    ['OutOfStockError', 'PaymentError', 'OutOfStockError'],
  );
});
