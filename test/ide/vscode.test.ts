// The VS Code extension for real: packaged with vsce, installed into code-server, driven through
// the workbench in Chromium against `liveprobe up` and the example shop running with the agent.
// One code-server per file: it starts an extension host per browser connection.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { AgentView } from '@liveprobe/protocol';
import { lineOf, repoRoot, startApp, startControlPlane, waitFor, type App, type ControlPlane } from '../helpers/index.js';
import { codeServer, packageExtension } from './code-server.js';
import {
  answer,
  command,
  goTo,
  keepFailure,
  openAt,
  openWorkbench,
  problemsShow,
  screenshot,
  text,
  WAIT,
  waitForDecoration,
} from './workbench.js';

const SOURCE = 'examples/shop/src/server.ts';
const RETURN_LINE = lineOf(SOURCE, 'checkout-return');
const CREATED_LINE = lineOf(SOURCE, 'order-created');
const AMOUNT_LINE = lineOf(SOURCE, 'line-amount');

async function stack(t: TestContext): Promise<{ cp: ControlPlane; shop: App }> {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  // A low hit quota, so a burst of requests pauses an action the way production traffic would.
  const shop = await startApp({
    script: 'examples/shop/dist/server.js',
    broker: cp.mqttUrl,
    tags: ['e2e'],
    agentId: 'shop-1',
    module: 'esm',
    env: { LIVEPROBE_QUOTA_HITS_PER_SECOND: '5' },
  });
  t.after(() => shop.stop());
  await waitFor(
    async () => ((await (await fetch(`${cp.url}/api/v1/agents`)).json()) as { agents: AgentView[] }).agents.some((a) => a.online),
    WAIT,
    "the shop's agent to be online",
  );
  return { cp, shop };
}

function checkout(shop: App, user = 'u1'): Promise<Response> {
  return fetch(`${shop.url}/checkout`, { method: 'POST', body: JSON.stringify({ user, items: [{ sku: 'tea', quantity: 2 }] }) });
}

/** Requests back to back until stopped: production traffic, over the agent's hit quota. */
function traffic(shop: App): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running)
      await checkout(shop)
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

async function addAction(page: Page, kind: string, answers: [string, string][]): Promise<void> {
  await command(page, `liveprobe: Add ${kind} here`);
  for (const [prompt, value] of answers) await answer(page, prompt, value);
  await page
    .locator('.notifications-toasts', { hasText: new RegExp(`liveprobe: ${kind} act_\\w+ added at ${SOURCE}`) })
    .waitFor({ timeout: WAIT });
}

test('in code-server: a log and a snapshot added at the cursor, their output and captured locals, an expression error and a sampling action as decorations and problems', {
  timeout: 280_000,
}, async (t) => {
  const vsix = packageExtension();
  const { cp, shop } = await stack(t);
  const server = await codeServer(repoRoot, { 'liveprobe.server': cp.url }, vsix);
  t.after(() => server.stop());
  const page = await openWorkbench(t, server, 'liveprobe: 1 agent online');
  await keepFailure(page, 'vscode', async () => {
    // A log at the cursor: template checked as typed, targets picked from what the server knows.
    await openAt(page, SOURCE, RETURN_LINE);
    await command(page, 'liveprobe: Add log here');
    const template = page.locator('.quick-input-widget', { hasText: 'Message:' });
    await template.waitFor({ timeout: WAIT });
    await template.locator('input.input').fill('order {order.id');
    // The checker's message replaces the prompt while the text is wrong.
    await page.locator('.quick-input-widget .quick-input-message', { hasText: /unclosed `\{` at column 7/ }).waitFor({ timeout: WAIT });
    await answer(page, 'liveprobe: log at', 'order {order.id} for {userId}: {order.amount}');
    await answer(page, 'Level', '');
    await answer(page, 'Condition', '');
    await answer(page, 'Hit limit and expiry', '');
    await answer(page, 'Which agents?', '');
    await page
      .locator('.notifications-toasts', { hasText: /liveprobe: log act_\w+ added at examples\/shop\/src\/server\.ts/ })
      .waitFor({ timeout: WAIT });
    await waitForDecoration(page, /log · 0 hits · installed/);

    // Over the control plane's bound for a snapshot: refused, and told as the prompt asked for it.
    await command(page, 'liveprobe: Add snapshot here');
    await answer(page, 'Watch expressions', '');
    await answer(page, 'Condition', '');
    await answer(page, 'Hit limit and expiry', '5000');
    await answer(page, 'Which agents?', '');
    await page
      .locator('.notifications-toasts', { hasText: /liveprobe: the snapshot was not added: Hit limit 5000: .*1,000/ })
      .waitFor({ timeout: WAIT });

    const [action] = (
      (await (await fetch(`${cp.url}/api/v1/actions`)).json()) as {
        actions: { file: string; line: number; lineText?: string; tags: string[] }[];
      }
    ).actions;
    assert.deepEqual(
      [action?.file, action?.line, action?.tags],
      [SOURCE, RETURN_LINE, ['e2e']],
      "workspace-relative file, the cursor line, the online agent's tag",
    );
    assert.equal(action?.lineText, '  return order; // probe: checkout-return');

    assert.equal((await checkout(shop)).status, 200);
    await command(page, 'liveprobe: Show live output');
    const output = page.locator('.part.panel .view-lines');
    await waitFor(
      async () => /shop-1 .*server\.ts:\d+ INFO order \d+ for u1: 8\.1/.test(text(await output.textContent())),
      WAIT,
      'the log line in the output view',
    );
    await waitForDecoration(page, /log · 1 hit · installed/);
    // Room for the code and its decoration: the side bar hidden.
    await page.keyboard.press('Control+b');
    await screenshot(page, 'log');
    await page.keyboard.press('Control+b');

    // A snapshot on the line above; opened in the debugger's own views.
    await goTo(page, CREATED_LINE + 1);
    await addAction(page, 'snapshot', [
      ['Watch expressions', 'order.lines[0].sku'],
      ['Condition', ''],
      ['Hit limit and expiry', ''],
      ['Which agents?', ''],
    ]);
    await waitForDecoration(page, /snapshot · 0 hits · installed/);
    assert.equal((await checkout(shop)).status, 200);
    await waitForDecoration(page, /snapshot · 1 hit/);
    await command(page, 'liveprobe: Open snapshot');
    await answer(page, 'open snapshot', '');
    const variables = page.locator('.debug-variables');
    await variables.locator('.monaco-list-row', { hasText: 'Arguments' }).click();
    await variables.locator('.monaco-list-row', { hasText: 'userId' }).waitFor({ timeout: WAIT });
    await variables.locator('.monaco-list-row', { hasText: 'Locals' }).click();
    await variables
      .locator('.monaco-list-row', { hasText: /^order/ })
      .first()
      .click();
    await waitFor(async () => /amount\s*=\s*8\.1/.test(text(await variables.textContent())), WAIT, 'order.amount in the Variables view');
    assert.match(text(await variables.textContent()), /userId\s*=\s*"u1"/);
    await page.locator('.debug-call-stack', { hasText: 'checkout' }).waitFor({ timeout: WAIT });
    await page.locator('.pane-header', { hasText: 'Snapshot, app not paused' }).waitFor({ timeout: WAIT });
    await screenshot(page, 'snapshot');
    // An attach session ends with Disconnect (Shift+F5).
    await page.keyboard.press('Shift+F5');

    // An expression the agent cannot evaluate (only for user u2, so the traffic below leaves it be): an error decoration and a problem.
    await goTo(page, CREATED_LINE);
    await addAction(page, 'log', [
      ['Message:', 'discount {nosuch.rate}'],
      ['Level', ''],
      ['Condition', 'userId == "u2"'],
      ['Hit limit and expiry', ''],
      ['Which agents?', ''],
    ]);
    await waitForDecoration(page, /log · 0 hits · installed/);
    assert.equal((await checkout(shop, 'u2')).status, 200);
    await waitForDecoration(page, /log · \d+ hits? · error/);
    await command(page, 'View: Focus Problems');
    await problemsShow(page, [/`nosuch` is not available at this line/], 'the expression error in the Problems view');

    // Traffic over the agent's hit quota makes a counter's breakpoint sample: in V8 only for short windows.
    await goTo(page, AMOUNT_LINE);
    await addAction(page, 'counter', [
      ['Metric name', 'shop.line.calls'],
      ['Condition', ''],
      ['Hit limit and expiry', ''],
      ['Which agents?', ''],
    ]);
    await waitForDecoration(page, /counter · 0 hits · installed/);
    const load = traffic(shop);
    try {
      await waitForDecoration(page, /counter · \d+ hits? · sampling \(over quota\)/);
      await command(page, 'View: Focus Problems');
      await problemsShow(
        page,
        [/`nosuch` is not available at this line/, /counter action act_\w+ on shop-1: breakpoint; sampling: on /],
        'the sampling next to the error in the Problems view',
      );
      await screenshot(page, 'problems');
    } finally {
      await load.stop();
    }
  });
});
