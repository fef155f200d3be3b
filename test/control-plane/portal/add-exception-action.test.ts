// The portal's "Add an action" form makes exception actions too, as the README says it adds
// every type: in a real browser against the real control plane, the type shows its filters
// instead of a file, line and condition, a bad filter is shown at its field, and the action
// made is what the list and the live console's action filter then name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startControlPlane } from '../../helpers/index.js';
import { browser } from '../../helpers/browser.js';

const WAIT = 15_000;

test('the add-action form makes an exception action with its filters, showing a bad pattern at its field', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const token = cp.token!;
  const chromium = await browser();
  t.after(() => chromium.close());
  const page = await chromium.newPage();
  // What a user with the browser's console open sees: no resource missing (a favicon.ico 404 was).
  const missing: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /status of 404/.test(message.text())) missing.push(message.text());
  });
  await page.goto(`${cp.url}/actions`);
  await page.fill('#session input[name=token]', token);
  await page.click('#session button[name=use]');
  await page.locator('#session-state').filter({ hasText: '(admin)' }).waitFor({ timeout: WAIT });

  await page.selectOption('#field-type', 'exception');
  for (const field of ['#field-file', '#field-line', '#field-condition', '#field-template'])
    assert.equal(await page.locator(field).isVisible(), false, `${field}: an exception action has no line`);
  assert.equal(await page.locator('#field-maxHits').getAttribute('placeholder'), '100', 'the exception default');
  await page.fill('#field-errorType', 'TypeError');
  await page.fill('#field-messagePattern', '(declined');
  await page.fill('#field-files', 'src/**\nlib/*.js');
  await page.fill('#field-frames', '3');
  await page.fill('#field-tags', 'e2e');
  await page.click('#action-form button[type=submit]');
  await page
    .locator('[data-field="messagePattern"].invalid .field-error')
    .filter({ hasText: /not a regular expression/ })
    .waitFor({ timeout: WAIT });

  await page.fill('#field-messagePattern', 'declined|expired');
  await page.click('#action-form button[type=submit]');
  const message = page.locator('#form-message');
  await message
    .filter({ hasText: /Created act_\w+ \(exception at reported TypeError in src\/\*\*, lib\/\*\.js\)/ })
    .waitFor({ timeout: WAIT });
  const id = /Created (act_\w+)/.exec((await message.textContent()) ?? '')?.[1];
  assert.ok(id !== undefined);
  const row = page.locator(`tr[data-action-id="${id}"]`);
  await row.locator('td', { hasText: 'reported TypeError in src/**, lib/*.js' }).waitFor({ timeout: WAIT });

  const stored = (await (await fetch(`${cp.url}/api/v1/actions/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    errorType?: string;
    messagePattern?: string;
    files?: string[];
    frames?: number;
    ratePerMinute: number;
    maxHits: number;
  };
  assert.deepEqual(
    [stored.errorType, stored.messagePattern, stored.files, stored.frames, stored.ratePerMinute, stored.maxHits],
    ['TypeError', 'declined|expired', ['src/**', 'lib/*.js'], 3, 3, 100],
  );

  // The live console names it by what it catches, not by a file and line it does not have.
  await page.goto(`${cp.url}/console`);
  await page
    .locator('#filter-action option', { hasText: `${id} (exception at reported TypeError in src/**, lib/*.js)` })
    .waitFor({ state: 'attached', timeout: WAIT });
  assert.deepEqual(chromium.pageErrors, []);
  assert.deepEqual(missing, []);
});
