// The portal's Edit dialog on an exception action, in a real browser against the real control
// plane: the filters start from the action, a bad one is shown at its field, and a saved edit
// (a new type, no file filter, one frame) is what the list then shows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startControlPlane } from '../../helpers/index.js';
import { browser } from '../../helpers/browser.js';

const WAIT = 15_000;

test("the action page edits an exception action's filters, showing a bad pattern at its field", async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const token = cp.token!;
  const created = await fetch(`${cp.url}/api/v1/actions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'exception', errorType: 'TypeError', files: ['src/**'], tags: ['e2e'] }),
  });
  const id = ((await created.json()) as { action: { id: string } }).action.id;

  const chromium = await browser();
  t.after(() => chromium.close());
  const page = await chromium.newPage();
  await page.goto(`${cp.url}/actions`);
  await page.fill('#session input[name=token]', token);
  await page.click('#session button[name=use]');
  const row = page.locator(`tr[data-action-id="${id}"]`);
  await row.locator('td', { hasText: 'reported TypeError in src/**' }).waitFor({ timeout: WAIT });

  await row.locator('button[data-edit]').click();
  const dialog = page.locator('#edit-dialog');
  assert.equal(await dialog.locator('#edit-errorType').inputValue(), 'TypeError', 'the dialog starts from the action');
  assert.equal(await dialog.locator('#edit-files').inputValue(), 'src/**');
  assert.equal(await dialog.locator('#edit-frames').inputValue(), '2');
  assert.equal(await dialog.locator('#edit-condition').count(), 0, 'an exception action has no condition to edit');
  await dialog.locator('#edit-errorType').fill('PaymentError');
  await dialog.locator('#edit-messagePattern').fill('(declined');
  await dialog.locator('button[type=submit]').click();
  const problem = dialog.locator('[data-field="messagePattern"].invalid .field-error');
  await problem.filter({ hasText: /not a regular expression/ }).waitFor({ timeout: WAIT });

  await dialog.locator('#edit-messagePattern').fill('declined|expired');
  await dialog.locator('#edit-files').fill('');
  await dialog.locator('#edit-frames').fill('1');
  await dialog.locator('#edit-ratePerMinute').fill('10');
  await dialog.locator('button[type=submit]').click();
  await dialog.waitFor({ state: 'detached', timeout: WAIT });
  await row.locator('td', { hasText: /^reported PaymentError$/ }).waitFor({ timeout: WAIT });
  await row.locator('code', { hasText: '/declined|expired/' }).waitFor({ timeout: WAIT });
  await row.locator('.chip', { hasText: '10/min per stack' }).waitFor({ timeout: WAIT });
  await row.locator('.chip', { hasText: /^1 frame$/ }).waitFor({ timeout: WAIT });

  const stored = (await (await fetch(`${cp.url}/api/v1/actions/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    errorType?: string;
    files?: string[];
    frames?: number;
    ratePerMinute: number;
  };
  assert.deepEqual([stored.errorType, stored.files, stored.frames, stored.ratePerMinute], ['PaymentError', undefined, 1, 10]);
  assert.deepEqual(chromium.pageErrors, []);
});
