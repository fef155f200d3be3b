/**
 * The action summary tells an action that is installed and printing while one placeholder
 * fails at hits from one the agent could not install.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutputEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, waitFor } from '../helpers/index.js';
import { addAction, app, checkout, controlPlane, getAction } from './fixtures.js';

const WAIT = 20_000;
const SERVER_TS = 'examples/shop/src/server.ts';

test('a log with a failing placeholder reads "installed … with errors at hits"; a file not loaded yet reads "installed on 0/1 …; 1 waiting for the file to load"', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const shop = await app(t, { script: 'examples/shop/dist/server.js', broker: cp.mqttUrl, agentId: 'summary-1' });
  const failing = await addAction(cp, {
    type: 'log',
    file: SERVER_TS,
    line: lineOf(SERVER_TS, 'checkout-return'),
    template: 'order {order.id} coupon {order.coupon.code}',
    tags: ['e2e'],
  });
  const missing = await addAction(cp, { type: 'log', file: 'src/nowhere.ts', line: 3, template: 'x', tags: ['e2e'] });
  await waitFor(async () => (await getAction(cp, failing.action.id)).statuses.some((s) => s.state === 'installed'), WAIT, 'installed');
  assert.equal((await checkout(shop.url)).status, 200);
  const line = await events.waitFor((e) => e.event === 'output' && (e.data as OutputEvent).actionId === failing.action.id, WAIT, 'a line');
  assert.match((line.data as OutputEvent).message, /^order \d+ coupon <`order\.coupon\.code`: order\.coupon is undefined>$/);
  await waitFor(async () => (await getAction(cp, failing.action.id)).statuses.some((s) => s.state === 'error'), WAIT, 'the error status');
  assert.equal(
    (await getAction(cp, failing.action.id)).summary,
    'installed on 1/1 agent; 1 with errors at hits: summary-1: `order.coupon.code`: order.coupon is undefined',
  );
  await waitFor(async () => (await getAction(cp, missing.action.id)).statuses.some((s) => s.state === 'pending'), WAIT, 'the wait');
  assert.equal((await getAction(cp, missing.action.id)).summary, 'installed on 0/1 agent; 1 waiting for the file to load');
});

test('an agent that went offline is counted apart: its restart, under a new id, reads "installed on 1/1 agent; 1 offline", not 2/2', async (t) => {
  const cp = await controlPlane(t);
  const first = await app(t, { script: 'examples/shop/dist/server.js', broker: cp.mqttUrl, agentId: 'summary-before' });
  const { action } = await addAction(cp, {
    type: 'counter',
    file: SERVER_TS,
    line: lineOf(SERVER_TS, 'checkout-return'),
    name: 'summary.restarts',
    tags: ['e2e'],
  });
  await waitFor(async () => (await getAction(cp, action.id)).summary === 'installed on 1/1 agent', WAIT, 'installed on the first agent');
  await first.stop();
  await waitFor(async () => (await getAction(cp, action.id)).summary === 'waiting for agents; 1 offline', WAIT, 'the first agent offline');
  await app(t, { script: 'examples/shop/dist/server.js', broker: cp.mqttUrl, agentId: 'summary-after' });
  await waitFor(
    async () => (await getAction(cp, action.id)).summary === 'installed on 1/1 agent; 1 offline',
    WAIT,
    'installed on the restarted app',
  );
  assert.deepEqual(
    (await getAction(cp, action.id)).statuses.map((s) => s.agentId).sort(),
    ['summary-after', 'summary-before'],
    'both agents keep their statuses',
  );
});
