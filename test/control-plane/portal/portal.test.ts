// The portal in a real browser against the real stack: `liveprobe up` with API tokens on, and
// the example shop running with the agent.
import { defined } from '@liveprobe/protocol/util';
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import mqtt from 'mqtt';
import type { Page } from 'playwright-core';
import { topics, type AgentEvent, type AgentOnline, type LogLevel, type SnapshotEvent } from '@liveprobe/protocol';
import { lineOf, startApp, startControlPlane, waitFor, type App, type ControlPlane } from '../../helpers/index.js';
import { browser, type Browser } from '../../helpers/browser.js';
import { publishSnapshot, snapshotActionFor, snapshotEvent, snapshotWithUnseenNames } from '../../fixtures/snapshot-event.js';

const WAIT = 15_000;
const SHOP = 'examples/shop/dist/server.js';
/** What the user reads and names: the TypeScript source (the agent follows the source map). */
const SOURCE = 'examples/shop/src/server.ts';
const RETURN_LINE = lineOf(SOURCE, 'checkout-return');

async function open(t: TestContext): Promise<Browser> {
  const chromium = await browser();
  t.after(() => chromium.close());
  return chromium;
}

async function stack(t: TestContext): Promise<{ cp: ControlPlane; shop: App; token: string }> {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  assert.ok(cp.token !== undefined, 'liveprobe up printed an admin token');
  const shop = await startApp({ script: SHOP, broker: cp.mqttUrl, tags: ['e2e'], agentId: 'shop-1', module: 'esm' });
  t.after(() => shop.stop());
  return { cp, shop, token: cp.token };
}

function checkout(shop: App): Promise<Response> {
  return fetch(`${shop.url}/checkout`, { method: 'POST', body: JSON.stringify({ user: 'u1', items: [{ sku: 'tea', quantity: 2 }] }) });
}

interface FormFields {
  type: 'log' | 'snapshot' | 'counter' | 'metric';
  template?: string;
  watches?: string;
  condition?: string;
  name?: string;
  attributes?: string;
  expression?: string;
  instrument?: 'gauge' | 'histogram';
  unit?: string;
}

/** Fills the add-action form and submits it. */
async function submitAction(page: Page, fields: FormFields): Promise<void> {
  await page.selectOption('#field-type', fields.type);
  await page.fill('#field-file', SOURCE);
  await page.fill('#field-line', String(RETURN_LINE));
  if (fields.template !== undefined) await page.fill('#field-template', fields.template);
  if (fields.watches !== undefined) await page.fill('#field-watches', fields.watches);
  if (fields.name !== undefined) await page.fill('#field-name', fields.name);
  if (fields.attributes !== undefined) await page.fill('#field-attributes', fields.attributes);
  if (fields.expression !== undefined) await page.fill('#field-expression', fields.expression);
  if (fields.instrument !== undefined) await page.selectOption('#field-instrument', fields.instrument);
  if (fields.unit !== undefined) await page.fill('#field-unit', fields.unit);
  await page.fill('#field-condition', fields.condition ?? '');
  await page.fill('#field-tags', 'e2e');
  await page.click('#action-form button[type=submit]');
}

/** Adds an action through the form; resolves with the id the page reports once the agent installed it. */
async function addAction(page: Page, fields: FormFields): Promise<string> {
  await submitAction(page, fields);
  const message = page.locator('#form-message');
  await message.filter({ hasText: /Created act_/ }).waitFor({ timeout: WAIT });
  const id = /Created (act_\w+)/.exec((await message.textContent()) ?? '')?.[1];
  assert.ok(id !== undefined);
  // Like the CLI's add commands, the form then shows what each targeted agent made of it.
  await message
    .locator('.agent-answer')
    .filter({ hasText: /^\S+: installed at \S+:\d+ \(/ })
    .waitFor({ timeout: WAIT });
  await page.locator(`tr[data-action-id="${id}"] .summary`).filter({ hasText: 'installed on 1/1 agent' }).waitFor({ timeout: WAIT });
  return id;
}

test('a user signs in with a token, adds a log, a snapshot, a counter and a gauge through the form, watches them in the console, opens the snapshot, and removes the action', async (t) => {
  const { cp, shop, token } = await stack(t);
  const chromium = await open(t);
  const page = await chromium.newPage();

  // Auth is on: the page says so, and the token box fixes it.
  await page.goto(`${cp.url}/agents`);
  await page
    .locator('#auth-notice')
    .filter({ hasText: /Sign-in needed: this request has no token/ })
    .waitFor({ timeout: WAIT });
  await page.fill('#session input[name=token]', token);
  await page.click('#session button[name=use]');
  await page.locator('#session-state').filter({ hasText: '(admin)' }).waitFor({ timeout: WAIT });
  const agentRow = page.locator('tr[data-agent-id="shop-1"]');
  await agentRow.locator('.badge', { hasText: 'online' }).waitFor({ timeout: WAIT });
  assert.match((await agentRow.textContent()) ?? '', /e2e.*node v\d+/);
  await page.selectOption('#tag-filter', 'e2e');
  assert.equal(await page.locator('#agents tbody tr[data-agent-id]').count(), 1);
  await chromium.screenshot(page, 'agents');

  // The server's verdict on a bad expression appears at the field.
  await page.goto(`${cp.url}/actions`);
  await page.fill('#field-file', SOURCE);
  await page.fill('#field-line', String(RETURN_LINE));
  await page.fill('#field-template', 'total {items.push(1)}');
  await page.fill('#field-tags', 'e2e');
  await page.click('#action-form button[type=submit]');
  const templateError = page.locator('[data-error-for="template"]');
  await templateError.filter({ hasText: /call to `items\.push`/ }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator('[data-field="template"].invalid').count(), 1);

  // A metric type shows its own fields only, and nested paths (`attributes.tier`) find theirs.
  await page.selectOption('#field-type', 'counter');
  assert.equal(await page.locator('#field-template').isVisible(), false);
  assert.equal(await page.locator('#field-toc-line').isVisible(), false, 'tictoc only');
  assert.equal(await page.locator('#field-maxHits').getAttribute('placeholder'), '1000000', 'the metric default');
  await submitAction(page, { type: 'counter', name: '9lives', attributes: 'tier = user.tier.push(1)' });
  await page
    .locator('[data-error-for="name"]')
    .filter({ hasText: /a metric name starts with a letter/ })
    .waitFor({ timeout: WAIT });
  assert.match((await page.locator('[data-error-for="attributes"]').textContent()) ?? '', /^tier: call to `user\.tier\.push`/);
  assert.equal(await page.locator('#form-message').textContent(), '', 'every complaint found its field');
  await page.selectOption('#field-type', 'tictoc');
  await page.fill('#field-toc-line', '0');
  await page.click('#action-form button[type=submit]');
  await page.locator('[data-error-for="toc.line"]').filter({ hasText: 'lines are numbered from 1' }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator('.field.invalid').count(), 3, 'name, attributes and toc.line');
  await chromium.screenshot(page, 'actions-validation');
  await page.fill('#field-toc-line', '');

  const logId = await addAction(page, { type: 'log', template: 'order {order.id} for {userId}: {amount}' });
  assert.equal(await templateError.textContent(), '', 'the old complaint is gone');
  const snapshotId = await addAction(page, { type: 'snapshot', watches: 'order.amount * 2\nuser.name' });
  const counterId = await addAction(page, { type: 'counter', name: 'shop.checkouts', attributes: 'tier = user.tier' });
  assert.match(
    (await page.locator(`tr[data-action-id="${counterId}"] .metric-name`).textContent()) ?? '',
    /^shop\.checkouts$/,
    'the list names the metric',
  );
  await addAction(page, { type: 'metric', name: 'shop.order.amount', expression: 'order.amount', instrument: 'gauge', unit: 'USD' });
  await chromium.screenshot(page, 'actions');

  // Live output and the snapshot notice arrive in the console.
  await page.goto(`${cp.url}/console`);
  await page.locator('#stream-state').filter({ hasText: 'live' }).waitFor({ timeout: WAIT });
  const order = (await (await checkout(shop)).json()) as { id: number; amount: number };
  await page
    .locator('li.output')
    .filter({ hasText: `order ${order.id} for u1: ${order.amount}` })
    .waitFor({ timeout: WAIT });
  // Metric lines read as `liveprobe tail` shows them: marked METRIC, the instrument, a counter's hits, a value with its unit.
  const counterLine = page.locator('li.output.metric').filter({ hasText: 'counter shop.checkouts +1 hit (tier=gold)' });
  const gaugeLine = page.locator('li.output.metric').filter({ hasText: `gauge shop.order.amount = ${order.amount} USD` });
  for (const line of [counterLine, gaugeLine]) {
    await line.waitFor({ timeout: WAIT });
    assert.equal(await line.locator('.kind').textContent(), 'METRIC');
  }
  assert.equal(await page.locator('li.output').filter({ hasText: '{"tier":"gold"}' }).count(), 0, 'not as a plain message');
  const notice = page.locator('li.snapshot').filter({ hasText: snapshotId });
  await notice.waitFor({ timeout: WAIT });
  await chromium.screenshot(page, 'console');

  // The viewer: location, stall, frames, variables as a tree, watch results.
  await notice.locator('a', { hasText: 'open' }).click();
  await page.locator('#snapshot-location').waitFor({ timeout: WAIT });
  assert.match(
    (await page.locator('#snapshot-location').textContent()) ?? '',
    new RegExp(`examples/shop/src/server\\.ts:${RETURN_LINE} in checkout$`),
  );
  assert.match((await page.locator('#snapshot-stall').textContent()) ?? '', /^\d+\.\d\d ms of the app's main thread$/);
  assert.match(
    (await page.locator('#frames li').first().textContent()) ?? '',
    new RegExp(`^checkout.*src/server\\.ts:${RETURN_LINE}:\\d+$`),
  );
  const locals = page.locator('[data-section="locals"]');
  const orderNode = locals.locator(':scope > details').filter({ has: page.locator(':scope > summary .name', { hasText: /^order$/ }) });
  assert.equal(await orderNode.getAttribute('open'), '', 'a variable starts expanded');
  assert.match((await orderNode.textContent()) ?? '', new RegExp(`id: ${order.id}`));
  const lines = orderNode.locator('details').filter({ has: page.locator(':scope > summary .name', { hasText: /^lines:$/ }) });
  assert.equal(await lines.getAttribute('open'), null, 'deeper levels start collapsed');
  await lines.locator(':scope > summary').click();
  await lines.locator(':scope > ul > li > details > summary', { hasText: '[0]: Object' }).waitFor({ state: 'visible', timeout: WAIT });
  const watches = page.locator('[data-section="watches"]');
  assert.match((await watches.textContent()) ?? '', new RegExp(`order\\.amount \\* 2 ${order.amount * 2}.*user\\.name "Ada"`));
  await chromium.screenshot(page, 'snapshot');

  await page.goto(`${cp.url}/snapshots?action=${snapshotId}`);
  await page.locator('#snapshots tbody tr[data-snapshot-id]').first().waitFor({ timeout: WAIT });
  await chromium.screenshot(page, 'snapshots');

  // Removing the log action takes it out of the list and out of the API.
  await page.goto(`${cp.url}/actions`);
  await page.locator(`button[data-remove="${logId}"]`).click();
  await page.locator(`tr[data-action-id="${logId}"]`).waitFor({ state: 'detached', timeout: WAIT });
  const gone = await fetch(`${cp.url}/api/v1/actions/${logId}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(gone.status, 404);
  assert.equal(await page.locator(`tr[data-action-id="${snapshotId}"]`).count(), 1, 'the other action stays');
  assert.deepEqual(chromium.pageErrors, []);
});

/** Publishes agent messages the way an agent does: status retained, events not. */
async function publishAsAgent(mqttUrl: string, messages: ReadonlyArray<AgentOnline | AgentEvent>): Promise<void> {
  const client = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, reconnectPeriod: 0 });
  try {
    for (const message of messages) {
      const status = !('kind' in message);
      const topic = status ? topics().agentStatus(message.agentId) : topics().agentEvents(message.agentId);
      await client.publishAsync(topic, JSON.stringify(message), { qos: 1, retain: status });
    }
  } finally {
    await client.endAsync();
  }
}

async function createLogAction(cp: ControlPlane, line: number): Promise<string> {
  const response = await fetch(`${cp.url}/api/v1/actions`, {
    method: 'POST',
    body: JSON.stringify({ type: 'log', file: 'src/orders.ts', line, template: 'x', tags: ['e2e'] }),
  });
  assert.equal(response.status, 201);
  return ((await response.json()) as { action: { id: string } }).action.id;
}

test('the console shows quota pauses, drops and status changes as such, filters by action, agent and level, pauses and clears', async (t) => {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const [first, second] = [await createLogAction(cp, 42), await createLogAction(cp, 43)];
  const birth = (agentId: string): AgentOnline => ({
    state: 'online',
    agentId,
    hostname: 'h',
    pid: 1,
    runtime: 'node',
    runtimeVersion: 'v20',
    agentVersion: '0.1.0',
    tags: ['e2e'],
    startedAt: new Date().toISOString(),
  });
  await publishAsAgent(cp.mqttUrl, [birth('shop-1'), birth('shop-2')]);
  const chromium = await open(t);
  const page = await chromium.newPage();
  await page.goto(`${cp.url}/console`);
  await page.locator('#stream-state').filter({ hasText: 'live' }).waitFor({ timeout: WAIT });
  await page.locator('#filter-agent option[value="shop-2"]').waitFor({ state: 'attached', timeout: WAIT });

  const time = new Date().toISOString();
  const output = (agentId: string, actionId: string, level: LogLevel, message: string): AgentEvent => ({
    kind: 'output',
    agentId,
    time,
    actionId,
    level,
    message,
    file: 'src/orders.ts',
    line: 42,
  });
  await publishAsAgent(cp.mqttUrl, [
    {
      kind: 'action_status',
      agentId: 'shop-1',
      time,
      actionId: first,
      state: 'installed',
      location: { file: '/srv/src/orders.ts', line: 42 },
    },
    output('shop-1', first, 'info', 'order 1 paid'),
    output('shop-1', second, 'debug', 'cache miss'),
    output('shop-2', first, 'warn', 'order 2 slow'),
    { kind: 'action_status', agentId: 'shop-1', time, actionId: first, state: 'paused', message: 'over 50 hits/s' },
    { kind: 'dropped', agentId: 'shop-1', time, actionId: first, count: 120, reason: 'live output rate limit' },
    { kind: 'action_status', agentId: 'shop-1', time, actionId: first, state: 'resumed' },
  ]);
  const lines = page.locator('#console-lines li');
  const outputs = async () =>
    (await page.locator('li.output').allTextContents()).map((text) => /order 1 paid|cache miss|order 2 slow/.exec(text)?.[0]);
  await page.locator('li.quota').filter({ hasText: 'resumed' }).waitFor({ timeout: WAIT });
  assert.match((await page.locator('li.status').textContent()) ?? '', new RegExp(`STATUS\\s*${first} on shop-1: installed`));
  assert.match(
    (await page.locator('li.quota').first().textContent()) ?? '',
    new RegExp(`QUOTA\\s*${first} on shop-1: paused by quota — over 50 hits/s`),
  );
  assert.match(
    (await page.locator('li.dropped').textContent()) ?? '',
    new RegExp(`DROPPED\\s*120 events dropped on shop-1 for ${first}: live output rate limit`),
  );
  await chromium.screenshot(page, 'console-notices');

  await page.selectOption('#filter-level', 'info');
  assert.deepEqual(await outputs(), ['order 1 paid', 'order 2 slow'], 'info and above');
  await page.selectOption('#filter-level', '');
  await page.selectOption('#filter-action', second);
  assert.deepEqual(await outputs(), ['cache miss']);
  await page.selectOption('#filter-action', '');
  await page.selectOption('#filter-agent', 'shop-2');
  assert.deepEqual(await outputs(), ['order 2 slow']);
  await page.selectOption('#filter-agent', '');

  await page.click('#pause');
  await publishAsAgent(cp.mqttUrl, [output('shop-1', first, 'warn', 'held while paused')]);
  await page.locator('#stream-state').filter({ hasText: 'paused: 1 new event held' }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator('li.output', { hasText: 'held while paused' }).count(), 0);
  await page.click('#pause');
  await page.locator('li.output', { hasText: 'held while paused' }).waitFor({ timeout: WAIT });

  await page.click('#clear');
  assert.equal(await lines.count(), 0);
  assert.equal(await page.locator('#console-placeholder').isVisible(), true);
  assert.deepEqual(chromium.pageErrors, []);
});

test('the agents page shows the files each agent prepared, and the ones it left untouched with why, and warnings about its patterns', async (t) => {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const birth = (agentId: string, prepare?: AgentOnline['prepare']): AgentOnline => ({
    state: 'online',
    agentId,
    hostname: 'h',
    pid: 1,
    runtime: 'node',
    runtimeVersion: 'v20',
    agentVersion: '0.1.0',
    tags: ['e2e'],
    startedAt: new Date().toISOString(),
    ...defined({ prepare }),
  });
  await publishAsAgent(cp.mqttUrl, [
    birth('api-1', {
      transformed: 12,
      cached: 30,
      failed: 21,
      failures: [{ path: '/srv/dist/legacy.js', reason: 'cannot parse: Unexpected token (3:4)' }],
    }),
    birth('api-2', { transformed: 5, cached: 0, failed: 0, failures: [] }),
    birth('api-3'),
    birth('api-4', { transformed: 0, cached: 0, failed: 0, failures: [], warnings: ['prepare pattern "express/*.js" does not prepare …'] }),
  ]);
  const chromium = await open(t);
  const page = await chromium.newPage();
  await page.goto(`${cp.url}/agents`);
  const cell = (agentId: string) => page.locator(`tr[data-agent-id="${agentId}"] td.prepared`);
  await cell('api-1').waitFor({ timeout: WAIT });
  assert.equal(await cell('api-2').textContent(), '5');
  assert.equal(await cell('api-3').textContent(), '—');
  assert.equal(await cell('api-1').locator('summary').textContent(), '42 21 untouched');
  assert.equal(await cell('api-4').locator('summary').textContent(), '0 1 warning');
  await cell('api-4').locator('summary').click();
  assert.deepEqual(await cell('api-4').locator('li').allTextContents(), ['prepare pattern "express/*.js" does not prepare …']);
  assert.equal(await cell('api-1').locator('li').first().isVisible(), false, 'the list opens on a click');
  await cell('api-1').locator('summary').click();
  assert.deepEqual(await cell('api-1').locator('li').allTextContents(), [
    '/srv/dist/legacy.js: cannot parse: Unexpected token (3:4)',
    '… and 20 more',
  ]);
  await page
    .locator('#refresh-state')
    .filter({ hasNotText: (await page.locator('#refresh-state').textContent()) ?? '' })
    .waitFor({ timeout: WAIT });
  assert.equal(await cell('api-1').locator('li').first().isVisible(), true, 'still open after the page refreshed');
  await chromium.screenshot(page, 'agents-prepared');
  assert.deepEqual(chromium.pageErrors, []);
});

/** The snapshot `make` builds, stored and opened in the viewer: the text of its module scope. */
async function moduleScopeShown(t: TestContext, make: (actionId: string) => SnapshotEvent): Promise<string> {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  const event = make(await snapshotActionFor(cp.url));
  await publishSnapshot(cp.mqttUrl, event);
  await waitFor(async () => (await fetch(`${cp.url}/api/v1/snapshots/${event.id}`)).ok, WAIT, 'the snapshot to be stored');
  const chromium = await open(t);
  const page = await chromium.newPage();
  await page.goto(`${cp.url}/snapshots/${event.id}`);
  await page.locator('[data-section="module scope"]').waitFor({ timeout: WAIT });
  const scope = (await page.locator('[data-section="module scope"]').textContent()) ?? '';
  assert.deepEqual(chromium.pageErrors, []);
  return scope;
}

test('the snapshot viewer says a reason shared by several unavailable variables once', async (t) => {
  const scope = await moduleScopeShown(t, (actionId) => snapshotWithUnseenNames({ id: 'snp_unseen', actionId }));
  assert.ok(scope.includes('createServer <not available: `createServer` is not available at this line'), scope);
  assert.ok(scope.includes('route <not available: same reason as createServer>'), scope);
});

test("the snapshot viewer counts the names of a bundle's module scope the snapshot did not read, and says how to read one", async (t) => {
  const scope = await moduleScopeShown(t, (actionId) => {
    const event = snapshotEvent({ id: 'snp_bundle', actionId });
    event.snapshot.scopes = [{ kind: 'module', variables: [{ name: 'TAX_RATE', value: { t: 'number', v: 0.2 } }], leftOut: 1302 }];
    return event;
  });
  assert.ok(scope.includes('TAX_RATE'), scope);
  assert.ok(
    scope.includes(
      '1,302 more names the code here does not use, not read: a watch expression reads one on a breakpoint (a prepared site has only what the function uses)',
    ),
    scope,
  );
});

test('the snapshot viewer says what the agent left out, and an unknown snapshot says where to look', async (t) => {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  await publishSnapshot(cp.mqttUrl, snapshotEvent({ id: 'snp_markers', actionId: await snapshotActionFor(cp.url) }));
  const chromium = await open(t);
  const page = await chromium.newPage();

  await page.goto(`${cp.url}/snapshots`);
  await page.locator('tr[data-snapshot-id="snp_markers"] a').click();
  await page.locator('#snapshot-location').waitFor({ timeout: WAIT });
  assert.equal(await page.locator('#frames li').count(), 3);
  const text = (await page.locator('#variables').textContent()) ?? '';
  for (const expected of [
    'email: [REDACTED]',
    'profile: [Getter]',
    '"a very long note"…+1000 more chars',
    'order <not available: not initialized yet at this line>',
    'next: [Circular]',
    'level1: [Config: depth limit]',
    'wrapped [Proxy]',
    'digest Uint8Array(32) [1, 2, 3, …+29 more]',
    '…+1 more',
    'module scope',
    'order.id order is not available at this line',
  ]) {
    assert.ok(text.includes(expected), `the viewer shows ${expected}`);
  }
  assert.match((await page.locator('.snapshot-head').textContent()) ?? '', /truncated: a size limit cut some values short/);
  await chromium.screenshot(page, 'snapshot-markers');

  // An exception snapshot: the error, and its callers' values under the throw site's.
  const base = snapshotEvent({ id: 'snp_thrown', actionId: await snapshotActionFor(cp.url) });
  await publishSnapshot(cp.mqttUrl, {
    ...base,
    snapshot: {
      ...base.snapshot,
      exception: { type: 'PaymentError', message: 'card declined', causes: [] },
      frames: [
        {
          location: { file: '/srv/shop/examples/shop/server.js', line: 69, function: 'route' },
          arguments: [{ name: 'req', value: { t: 'object', props: [['path', { t: 'string', v: '/checkout' }]] } }],
          locals: [{ name: 'basket', value: { t: 'string', v: 'b-42' } }],
        },
      ],
    },
  });
  await page.goto(`${cp.url}/snapshots/snp_thrown`);
  await page.locator('#snapshot-error').waitFor({ timeout: WAIT });
  assert.equal(await page.locator('#snapshot-error').textContent(), 'PaymentError: card declined');
  const caller = (await page.locator('[data-section="frame-1"]').textContent()) ?? '';
  assert.match(caller, /Caller 1: route \/srv\/shop\/examples\/shop\/server\.js:69/);
  assert.ok(caller.includes('basket') && caller.includes('"b-42"'), `the caller's locals are shown: ${caller}`);

  await page.goto(`${cp.url}/snapshots/snp_gone`);
  await page
    .locator('#snapshot .message.error')
    .filter({ hasText: /no snapshot snp_gone/ })
    .waitFor({ timeout: WAIT });
  assert.deepEqual(chromium.pageErrors, []);
});

test("an action on a long node_modules path keeps the actions table, and each row's buttons, within the screen", async (t) => {
  const cp = await startControlPlane();
  t.after(() => cp.stop());
  // As pnpm lays packages out, with no hyphen or space where a browser could break the line.
  const file = 'node_modules/.pnpm/typeorm@0.3.20/node_modules/typeorm/query_builder/SelectQueryBuilder.js';
  const created = await fetch(`${cp.url}/api/v1/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'log', file, line: 42, template: 'query {this.expressionMap.mainAlias.name}', tags: ['e2e'] }),
  });
  assert.equal(created.status, 201, await created.text());
  const chromium = await open(t);
  const page = await chromium.newPage();
  await page.goto(`${cp.url}/actions`);
  await page.locator('tr[data-action-id] td.location').filter({ hasText: file }).waitFor({ timeout: WAIT });
  const width = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth }));
  assert.ok(width.page <= width.screen, `the page is ${width.page} px wide on a ${width.screen} px screen`);
  const remove = await page.locator('tr[data-action-id] button', { hasText: 'Remove' }).boundingBox();
  assert.ok(remove !== null && remove.x + remove.width <= width.screen, `Remove ends at ${remove?.x ?? 0} + ${remove?.width ?? 0} px`);
});
