import { startControlPlane } from '../../helpers/index.js';
import { browser } from '../../helpers/browser.js';
const cp = await startControlPlane();
const b = await browser();
try {
  const page = await b.newPage();
  await page.goto(`${cp.url}/actions`);
  const submit = async () => { await page.click('#action-form button[type=submit]'); await page.waitForTimeout(700); console.log(await page.locator('#form-message').textContent(), '|', (await page.locator('.field-error').allTextContents()).filter(Boolean)); };
  await page.fill('#field-file', 'src/server.ts'); await page.fill('#field-tags', 'e2e');
  await page.selectOption('#field-type', 'duration');
  await submit();
  await page.fill('#field-name', 'shop.checkout.time'); await page.fill('#field-function', 'checkout'); await submit();
  await page.selectOption('#field-type', 'duration'); await page.fill('#field-line', '60'); await page.fill('#field-name', 'd2'); await submit();
  await page.selectOption('#field-type', 'metric'); await page.fill('#field-name', 'shop.amount'); await page.fill('#field-expression', 'order.amount'); await page.selectOption('#field-instrument', 'gauge'); await page.fill('#field-unit', 'a b'); await submit();
  await page.fill('#field-unit', '{EUR}'); await page.fill('#field-attributes', 'user.tier = user.tier\n9x = 1\nnoeq'); await submit();
  await page.fill('#field-name', 'shop.amount'); await page.fill('#field-expression', 'order.amount'); await page.fill('#field-attributes', 'user.tier = user.tier'); await submit();
  await page.selectOption('#field-type', 'tictoc'); await page.fill('#field-name', 'shop.tt'); await page.fill('#field-toc-line', '65'); await page.fill('#field-toc-file', 'src/other.ts'); await submit();
  await page.waitForTimeout(3500);
  console.log((await page.locator('#actions tbody tr').allInnerTexts()).join('\n---\n'));
  await b.screenshot(page, 'scratch');
  console.log(b.pageErrors);
} finally { await b.close(); await cp.stop(); }
