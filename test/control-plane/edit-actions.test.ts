// PATCH /api/v1/actions/{id}: edits checked as on create, published as the next desired state,
// disabled actions kept but on no agent, viewers refused, and every edit in the audit trail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ActionView, CreatedAction } from '@liveprobe/protocol';
import { startControlPlane, type AuditEntry } from '@liveprobe/control-plane';
import { cli, tempDir } from '../helpers/index.js';
import { inProcess, logAction, postAction, t0 } from './fixtures.js';

function patch(app: { request: (path: string, init: RequestInit) => Response | Promise<Response> }, id: string, body: unknown) {
  return Promise.resolve(
    app.request(`/api/v1/actions/${id}`, {
      method: 'PATCH',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  );
}

test('an edit changes the stored action and publishes it under the next revision; expiry counts from the edit', async (t) => {
  const { app, published, advance } = await inProcess(t);
  const { action } = (await (await postAction(app, logAction({ condition: 'amount > 10' }))).json()) as CreatedAction;
  const created = published.at(-1)!;
  advance(60_000);

  const response = await patch(app, action.id, {
    condition: 'amount > 100',
    template: 'big order {order.id}',
    level: 'warn',
    expiresIn: '2h',
  });
  assert.equal(response.status, 200, await response.clone().text());
  const { action: edited } = (await response.json()) as CreatedAction;
  assert.equal(edited.id, action.id);
  assert.equal(edited.condition, 'amount > 100');
  assert.equal(edited.type === 'log' && edited.template, 'big order {order.id}');
  assert.equal(edited.type === 'log' && edited.level, 'warn');
  assert.equal(edited.createdAt, action.createdAt);
  assert.equal(edited.expiresAt, new Date(t0 + 60_000 + 2 * 3_600_000).toISOString());
  assert.equal(edited.updatedAt, new Date(t0 + 60_000).toISOString());

  const last = published.at(-1)!;
  assert.equal(last.topic, 'liveprobe/v1/tags/checkout/actions');
  assert.ok(last.state.rev > created.state.rev, 'the revision moves forward');
  assert.deepEqual(
    last.state.actions.map((a) => [a.id, a.condition]),
    [[action.id, 'amount > 100']],
  );

  const removed = (await (await patch(app, action.id, { condition: null })).json()) as CreatedAction;
  assert.equal(removed.action.condition, undefined, 'null removes the condition');
});

test('a disabled action leaves the desired set, stays listed with its definition, and comes back enabled', async (t) => {
  const { app, published } = await inProcess(t);
  const { action } = (await (await postAction(app, logAction())).json()) as CreatedAction;

  const disabled = (await (await patch(app, action.id, { enabled: false })).json()) as CreatedAction;
  assert.equal(disabled.action.state, 'disabled');
  assert.deepEqual(published.at(-1)?.state.actions, []);
  const listed = (await (await app.request('/api/v1/actions')).json()) as { actions: ActionView[] };
  assert.deepEqual(
    listed.actions.map((a) => [a.id, a.state, a.type === 'log' && a.template]),
    [[action.id, 'disabled', 'order {order.id}']],
  );

  const enabled = (await (await patch(app, action.id, { enabled: true })).json()) as CreatedAction;
  assert.equal(enabled.action.state, 'active');
  assert.equal(enabled.action.enabled, undefined);
  assert.deepEqual(
    published.at(-1)?.state.actions.map((a) => a.id),
    [action.id],
  );
});

test('edits are checked as creates are: each bad field named, fields the type lacks refused, unknown ids 404', async (t) => {
  const { app, published } = await inProcess(t);
  const { action: log } = (await (await postAction(app, logAction())).json()) as CreatedAction;
  const { action: snapshot } = (await (
    await postAction(app, { type: 'snapshot', file: 'src/orders.ts', line: 42, tags: ['checkout'] })
  ).json()) as CreatedAction;
  const before = published.length;

  const issues = async (id: string, body: unknown) => {
    const response = await patch(app, id, body);
    assert.equal(response.status, 400, `PATCH ${JSON.stringify(body)} answered ${response.status}`);
    return ((await response.json()) as { error: { issues: { path: string; message: string }[] } }).error.issues;
  };
  const [condition, expires] = await issues(log.id, { condition: 'amount >', expiresIn: '9d' });
  assert.equal(condition?.path, 'condition');
  assert.equal(expires?.path, 'expiresIn');
  assert.match(expires?.message ?? '', /longer than the 7d maximum/);
  assert.deepEqual(await issues(log.id, { watches: ['x'] }), [
    { path: 'watches', message: `only snapshot actions have \`watches\`; ${log.id} is a log action` },
  ]);
  assert.deepEqual(await issues(snapshot.id, { template: 'x' }), [
    { path: 'template', message: `only log actions have \`template\`; ${snapshot.id} is a snapshot action` },
  ]);
  assert.equal((await issues(snapshot.id, { maxHits: 5000 }))[0]?.path, 'maxHits', 'a snapshot keeps its limit of 1000');
  assert.match((await issues(log.id, {}))[0]?.message ?? '', /name at least one field/);
  assert.deepEqual(
    (await issues(log.id, { file: 'other.ts' }))[0],
    { path: 'file', message: 'unknown field' },
    'where an action is cannot be edited: that is a new action',
  );
  assert.equal(published.length, before, 'a refused edit publishes nothing');
  assert.equal((await patch(app, 'act_nosuchthing', { enabled: false })).status, 404);
});

test("a log or snapshot action's ratePerSecond can be edited and is published; out of range or on a counter it is refused", async (t) => {
  const { app, published } = await inProcess(t);
  const { action } = (await (await postAction(app, logAction())).json()) as CreatedAction;
  const edited = await patch(app, action.id, { ratePerSecond: 2.5 });
  assert.equal(edited.status, 200, await edited.clone().text());
  const sent = published.at(-1)?.state.actions.find((a) => a.id === action.id);
  assert.equal(sent?.type === 'log' ? sent.ratePerSecond : undefined, 2.5);
  const refused = await patch(app, action.id, { ratePerSecond: -1 });
  assert.equal(refused.status, 400);
  assert.equal(((await refused.json()) as { error: { issues: { path: string }[] } }).error.issues[0]?.path, 'ratePerSecond');
  const counter = (await (
    await postAction(app, { type: 'counter', file: 'src/orders.ts', line: 42, name: 'orders', tags: ['checkout'] })
  ).json()) as CreatedAction;
  const onCounter = await patch(app, counter.action.id, { ratePerSecond: 5 });
  assert.equal(onCounter.status, 400);
  assert.equal(((await onCounter.json()) as { error: { issues: { path: string }[] } }).error.issues[0]?.path, 'ratePerSecond');
});

test('editors edit, viewers cannot; the audit trail holds each edit with before and after; the CLI edits', async (t) => {
  const dir = await tempDir('liveprobe-edit-');
  t.after(() => dir.remove());
  const cp = await startControlPlane({ port: 0, mqttPort: 0, dataDir: dir.path, auth: { mode: 'tokens' } });
  t.after(() => cp.close());
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const response = await fetch(`${cp.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const admin = cp.firstAdminToken!;
  const editor = (await call('POST', '/tokens', admin, { name: 'oncall', role: 'editor' })).body.secret as string;
  const viewer = (await call('POST', '/tokens', admin, { name: 'dashboards', role: 'viewer' })).body.secret as string;
  const id = (await call('POST', '/actions', editor, logAction({ condition: 'amount > 10' }))).body.action.id as string;

  const refused = await call('PATCH', `/actions/${id}`, viewer, { enabled: false });
  assert.equal(refused.status, 403);
  assert.equal((await call('GET', `/actions/${id}`, viewer)).body.state, 'active', 'the viewer changed nothing');
  const viewerCli = await cli(['actions', 'disable', id], { server: cp.url, token: viewer });
  assert.notEqual(viewerCli.code, 0);
  assert.match(viewerCli.stderr, /viewer/);

  const edited = await cli(['actions', 'edit', id, '--condition', 'amount > 500', '--level', 'error'], { server: cp.url, token: editor });
  assert.equal(edited.code, 0, edited.stderr);
  assert.match(edited.stdout, new RegExp(`^edited ${id} \\(active: waiting for agents\\)`));
  const shown = await cli(['actions', 'show', id], { server: cp.url, token: editor });
  assert.match(shown.stdout, /condition\s+amount > 500/);
  assert.match(shown.stdout, /level\s+error/);
  assert.match(shown.stdout, /edited\s+\d{4}-/);

  const { entries } = (await call('GET', '/audit?action=action.update', admin)).body as { entries: AuditEntry[] };
  assert.deepEqual(
    entries.map((e) => [e.actor.name, e.outcome, e.target]),
    [
      ['oncall', 'ok', id],
      ['dashboards', 'denied', id],
      ['dashboards', 'denied', id],
    ],
  );
  const change = entries[0]!;
  assert.equal(change.request, `PATCH /api/v1/actions/${id}`);
  assert.equal((change.before as { condition: string }).condition, 'amount > 10');
  assert.equal((change.after as { action: { condition: string; level: string } }).action.condition, 'amount > 500');
  assert.equal((change.after as { action: { level: string } }).action.level, 'error');

  const document = (await (await fetch(`${cp.url}/api/v1/openapi.json`)).json()) as any;
  const operation = document.paths['/actions/{id}'].patch;
  assert.equal(operation['x-liveprobe-role'], 'editor');
  assert.deepEqual(Object.keys(operation.requestBody.content['application/json'].schema.properties).sort(), [
    'condition',
    'enabled',
    'errorType',
    'expiresIn',
    'files',
    'frames',
    'level',
    'maxHits',
    'messagePattern',
    'outputs',
    'ratePerMinute',
    'ratePerSecond',
    'template',
    'watches',
  ]);
});

test('enabling an action counts against the live actions a target may have, as a create does', async (t) => {
  const dir = await tempDir('liveprobe-edit-limit-');
  t.after(() => dir.remove());
  const cp = await startControlPlane({ port: 0, mqttPort: 0, dataDir: dir.path, limits: { maxActionsPerTarget: 1 } });
  t.after(() => cp.close());
  const send = async (method: string, path: string, body: unknown) => {
    const init = body === undefined ? {} : { body: JSON.stringify(body) };
    const response = await fetch(`${cp.url}/api/v1${path}`, { method, headers: { 'content-type': 'application/json' }, ...init });
    return { status: response.status, body: (await response.json()) as any };
  };
  const first = (await send('POST', '/actions', logAction({ tags: ['busy'] }))).body.action.id as string;
  assert.equal((await send('PATCH', `/actions/${first}`, { enabled: false })).status, 200);
  assert.equal((await send('POST', '/actions', logAction({ tags: ['busy'] }))).status, 201, 'a disabled action leaves room');
  const refused = await send('PATCH', `/actions/${first}`, { enabled: true });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'too_many_actions');
  assert.equal((await send('GET', `/actions/${first}`, undefined)).body.state, 'disabled');
  assert.equal((await send('PATCH', `/actions/${first}`, { condition: 'amount > 1' })).status, 200, 'other edits are not counted');
});
