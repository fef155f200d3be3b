// The portal's action page edits an action in place, in a real browser against the real stack:
// the Edit dialog shows the server's complaints at the field, and Disable/Enable round-trips.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineOf, startApp, startControlPlane, waitFor } from '../../helpers/index.js';
import { browser } from '../../helpers/browser.js';

const WAIT = 15_000;
const SOURCE = 'examples/shop/src/server.ts';
const RETURN_LINE = lineOf(SOURCE, 'checkout-return');

test('the action page edits a log action in a dialog, shows a bad condition at its field, and disables and enables it', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const token = cp.token!;
  const shop = await startApp({
    script: 'examples/shop/dist/server.js',
    broker: cp.mqttUrl,
    tags: ['e2e'],
    agentId: 'shop-1',
    module: 'esm',
  });
  t.after(() => shop.stop());
  const created = await fetch(`${cp.url}/api/v1/actions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'log', file: SOURCE, line: RETURN_LINE, template: 'order {order.id}', tags: ['e2e'] }),
  });
  const id = ((await created.json()) as { action: { id: string } }).action.id;
  const checkout = () =>
    fetch(`${shop.url}/checkout`, { method: 'POST', body: JSON.stringify({ user: 'u1', items: [{ sku: 'tea', quantity: 1 }] }) });

  const chromium = await browser();
  t.after(() => chromium.close());
  const page = await chromium.newPage();
  await page.goto(`${cp.url}/actions`);
  await page.fill('#session input[name=token]', token);
  await page.click('#session button[name=use]');
  const row = page.locator(`tr[data-action-id="${id}"]`);
  await row.locator('.summary').filter({ hasText: 'installed on 1/1 agent' }).waitFor({ timeout: WAIT });
  await checkout();
  await row.locator('.hits').filter({ hasText: /^1 \// }).waitFor({ timeout: WAIT });

  await row.locator('button[data-edit]').click();
  const dialog = page.locator('#edit-dialog');
  assert.equal(await dialog.locator('#edit-template').inputValue(), 'order {order.id}', 'the dialog starts from the action');
  await dialog.locator('#edit-template').fill('paid {amount} for {order.id}');
  await dialog.locator('#edit-condition').fill('amount >');
  await dialog.locator('button[type=submit]').click();
  await dialog.locator('[data-field="condition"].invalid .field-error').filter({ hasText: /./ }).waitFor({ timeout: WAIT });
  await chromium.screenshot(page, 'action-edit');
  await dialog.locator('#edit-condition').fill('amount > 1');
  await dialog.locator('#edit-outputs').fill('console, live');
  await dialog.locator('button[type=submit]').click();
  await dialog.waitFor({ state: 'detached', timeout: WAIT });
  await row.locator('code', { hasText: 'paid {amount} for {order.id}' }).waitFor({ timeout: WAIT });
  await row.locator('code', { hasText: 'amount > 1' }).waitFor({ timeout: WAIT });
  await row.locator('[data-outputs]', { hasText: '→ console, live' }).waitFor({ timeout: WAIT });
  assert.match((await row.locator('.hits').textContent()) ?? '', /^1 \//, 'the edit keeps the hits');

  await row.locator('button[data-toggle]', { hasText: 'Disable' }).click();
  await row.locator('.badge[data-state="disabled"]').waitFor({ timeout: WAIT });
  await row.locator('li[data-agent-id="shop-1"]').filter({ hasText: 'removed' }).waitFor({ timeout: WAIT });
  await row.locator('.summary').filter({ hasText: 'off every agent' }).waitFor({ timeout: WAIT });
  await row.locator('button[data-toggle]', { hasText: 'Enable' }).click();
  await row.locator('.badge[data-state="active"]').waitFor({ timeout: WAIT });
  await row.locator('li[data-agent-id="shop-1"]').filter({ hasText: 'installed' }).waitFor({ timeout: WAIT });
  await checkout();
  await row.locator('.hits').filter({ hasText: /^2 \// }).waitFor({ timeout: WAIT });
  const consoleLine = new RegExp(`INFO \\[liveprobe ${id}\\] \\S+server\\.ts:${RETURN_LINE} paid [\\d.]+ for \\d+`);
  await waitFor(() => consoleLine.test(shop.output()), WAIT, 'the line in the app’s console, the output the edit added');
  assert.deepEqual(chromium.pageErrors, []);
});
