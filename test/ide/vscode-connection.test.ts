// The extension against a control plane with API tokens on, in code-server and Chromium: signing
// in (the token goes to the editor's secret storage), the Agents and Actions views, the editor's
// context menu, removing an action, and a revoked token making it ask to sign in again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionView, AgentView } from '@liveprobe/protocol';
import { lineOf, repoRoot, startApp, startControlPlane, waitFor } from '../helpers/index.js';
import { codeServer, packageExtension } from './code-server.js';
import { answer, command, decorationTexts, keepFailure, openAt, openWorkbench, WAIT, waitForDecoration } from './workbench.js';

const SOURCE = 'examples/shop/src/server.ts';
const RETURN_LINE = lineOf(SOURCE, 'checkout-return');

test('in code-server: sign in with a token, see the agent, add a log from the context menu, remove it from the Actions view; a revoked token asks to sign in again', {
  timeout: 280_000,
}, async (t) => {
  const vsix = packageExtension();
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const admin = cp.token as string;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${cp.url}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' } });
  const shop = await startApp({
    script: 'examples/shop/dist/server.js',
    broker: cp.mqttUrl,
    tags: ['e2e'],
    agentId: 'shop-1',
    module: 'esm',
  });
  t.after(() => shop.stop());
  await waitFor(
    async () => ((await (await api('/agents')).json()) as { agents: AgentView[] }).agents.some((a) => a.online),
    WAIT,
    'the agent online',
  );
  const created = (await (
    await api('/tokens', { method: 'POST', body: JSON.stringify({ name: 'editor-in-vscode', role: 'editor' }) })
  ).json()) as { token: { id: string }; secret: string };

  const server = await codeServer(repoRoot, { 'liveprobe.server': cp.url }, vsix);
  t.after(() => server.stop());
  // No token yet: the status bar says what to do.
  const page = await openWorkbench(t, server, 'liveprobe: sign in');
  await keepFailure(page, 'vscode-connection', async () => {
    await command(page, 'liveprobe: Sign in');
    await answer(page, 'An API token', 'lpt_not-a-real-token');
    await page.locator('.notifications-toasts', { hasText: /liveprobe: sign-in failed: .*token/ }).waitFor({ timeout: WAIT });
    await command(page, 'liveprobe: Sign in');
    await answer(page, 'An API token', created.secret);
    await page
      .locator('.notifications-toasts', { hasText: 'liveprobe: signed in as editor-in-vscode (editor)' })
      .waitFor({ timeout: WAIT });
    await page.locator('.statusbar-item', { hasText: 'liveprobe: 1 agent online' }).waitFor({ timeout: WAIT });

    await command(page, 'Focus on Agents View');
    const agents = page.locator('[id="workbench.view.extension.liveprobe"]');
    await agents.locator('.monaco-list-row', { hasText: /shop-1.*online · node v\d+.* · e2e/ }).waitFor({ timeout: WAIT });

    // Right-click the line → liveprobe → Add log here.
    await openAt(page, SOURCE, RETURN_LINE);
    // Monaco draws the cursor a moment after Ctrl+G moves it: until then it has no box.
    const cursor = await waitFor(() => page.locator('.monaco-editor .cursor').first().boundingBox(), WAIT, 'the cursor on the line');
    await page.mouse.click(cursor.x + 2, cursor.y + cursor.height / 2, { button: 'right' });
    await page
      .locator('.monaco-menu .action-item', { hasText: /^liveprobe/ })
      .first()
      .hover();
    // Chosen as a keyboard user does: a click while the submenu was still opening was once taken
    // as a hover only, and the menu stayed open.
    const addLog = page.getByRole('menuitem', { name: 'Add log here' });
    await addLog.hover();
    await page.locator('.monaco-menu .action-item.focused', { hasText: 'Add log here' }).last().waitFor({ timeout: WAIT });
    await page.keyboard.press('Enter');
    await answer(page, 'Message:', 'checkout by {userId}');
    await answer(page, 'Level', '');
    await answer(page, 'Condition', '');
    await answer(page, 'Hit limit and expiry', '50 10m');
    await answer(page, 'Which agents?', '');
    await waitForDecoration(page, /log · 0 hits · installed/);
    const [action] = ((await (await api('/actions')).json()) as { actions: ActionView[] }).actions;
    assert.deepEqual([action?.file, action?.line, action?.maxHits], [SOURCE, RETURN_LINE, 50]);
    assert.equal(Date.parse(action?.expiresAt ?? '') - Date.parse(action?.createdAt ?? ''), 10 * 60_000);

    // The Actions view lists it under its file; its trash button removes it everywhere.
    await command(page, 'Focus on Actions View');
    const row = agents.locator('.monaco-list-row', { hasText: `${RETURN_LINE}: log "checkout by {userId}"` });
    await row.click();
    await row.locator('.action-label[aria-label="Remove action"]').click();
    await waitFor(
      async () => ((await (await api('/actions')).json()) as { actions: ActionView[] }).actions.length === 0,
      WAIT,
      'the action deleted on the server',
    );
    await waitFor(async () => (await decorationTexts(page)).length === 0, WAIT, 'its decoration gone from the editor');

    // The token is revoked: the next request is refused, and the extension asks to sign in again.
    assert.equal((await api(`/tokens/${created.token.id}`, { method: 'DELETE' })).status, 200);
    await page.locator('.statusbar-item', { hasText: 'liveprobe: sign in' }).waitFor({ timeout: WAIT });
    await page.locator('.notifications-toasts', { hasText: /liveprobe: the server refused the token/ }).waitFor({ timeout: WAIT });
  });
});
