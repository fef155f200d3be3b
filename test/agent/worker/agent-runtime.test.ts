/**
 * An action whose expression fails at its line keeps saying so: the totals of what it did not
 * export (here every record, the collector being down) are added to that error, where they used
 * to come as an `installed` status that hid it from `actions show` and the portal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, lineOf, waitFor } from '../../helpers/index.js';
import { addAction, app, checkout, controlPlane, getAction, SHOP } from '../fixtures.js';

const WAIT = 30_000;

test('an expression error at a hit stays the status when the not-exported totals come', async (t) => {
  const cp = await controlPlane(t);
  const closed = await freePort();
  const shop = await app(t, {
    broker: cp.mqttUrl,
    agentId: 'shop-1',
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closed}`, OTEL_BLRP_SCHEDULE_DELAY: '100' },
  });
  const { action } = await addAction(cp, {
    type: 'log',
    file: SHOP,
    line: lineOf(SHOP, 'checkout-return'),
    template: 'order {order.id} by {nosuchvar}',
    tags: ['e2e'],
  });
  const statusOf = async () => (await getAction(cp, action.id)).statuses.find((s) => s.agentId === 'shop-1');
  await waitFor(async () => (await statusOf())?.state === 'installed', WAIT, 'the action to install');
  assert.equal((await checkout(shop.url)).status, 200);
  await waitFor(
    async () => /not exported so far: 1 export failed/.test((await statusOf())?.message ?? ''),
    WAIT,
    'the not-exported totals',
  );
  const status = await statusOf();
  assert.equal(status?.state, 'error', JSON.stringify(status));
  assert.match(status?.message ?? '', /^`nosuchvar` is not available at this line .*; not exported so far: 1 export failed$/);
});
