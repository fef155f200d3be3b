// PATCH /api/v1/actions/{id} on an exception action: its filters (type, message, files, rate,
// frames) change in place, checked as on create, published, audited, and editable from the CLI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CreatedAction, ExceptionAction } from '@liveprobe/protocol';
import { startControlPlane, type AuditEntry } from '@liveprobe/control-plane';
import { cli, tempDir } from '../helpers/index.js';
import { inProcess, logAction, postAction } from './fixtures.js';

type Issue = { path: string; message: string };

function patch(app: { request: (path: string, init: RequestInit) => Response | Promise<Response> }, id: string, body: unknown) {
  return Promise.resolve(
    app.request(`/api/v1/actions/${id}`, { method: 'PATCH', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  );
}

test("an exception action's filters are edited and published; null takes a filter away", async (t) => {
  const { app, published } = await inProcess(t);
  const { action } = (await (
    await postAction(app, { type: 'exception', tags: ['checkout'], errorType: 'TypeError', files: ['src/**'] })
  ).json()) as CreatedAction;
  const response = await patch(app, action.id, {
    errorType: 'PaymentError',
    messagePattern: 'declined|expired',
    files: ['src/payments/**', '**/card.ts'],
    ratePerMinute: 10,
    frames: 4,
  });
  assert.equal(response.status, 200, await response.clone().text());
  const sent = published.at(-1)!.state.actions.find((a) => a.id === action.id) as ExceptionAction;
  assert.deepEqual(
    { errorType: sent.errorType, messagePattern: sent.messagePattern, files: sent.files, rate: sent.ratePerMinute, frames: sent.frames },
    { errorType: 'PaymentError', messagePattern: 'declined|expired', files: ['src/payments/**', '**/card.ts'], rate: 10, frames: 4 },
  );
  const { action: shown } = (await response.json()) as CreatedAction;
  assert.equal(shown.type === 'exception' && shown.errorType, 'PaymentError', 'the response shows the edited action');
  assert.equal(shown.id, action.id);

  const cleared = await patch(app, action.id, { errorType: null, messagePattern: null, files: null });
  assert.equal(cleared.status, 200, await cleared.clone().text());
  const after = published.at(-1)!.state.actions.find((a) => a.id === action.id) as ExceptionAction;
  assert.deepEqual([after.errorType, after.messagePattern, after.files, after.frames], [undefined, undefined, undefined, 4]);
});

test('exception filter edits are checked as on create; a log action has no filters, an exception action no condition', async (t) => {
  const { app, published } = await inProcess(t);
  const { action } = (await (await postAction(app, { type: 'exception', tags: ['checkout'] })).json()) as CreatedAction;
  const { action: log } = (await (await postAction(app, logAction())).json()) as CreatedAction;
  const before = published.length;
  const issues = async (id: string, body: unknown): Promise<Issue[]> => {
    const response = await patch(app, id, body);
    assert.equal(response.status, 400, `PATCH ${JSON.stringify(body)} answered ${response.status}`);
    return ((await response.json()) as { error: { issues: Issue[] } }).error.issues;
  };
  const [pattern] = await issues(action.id, { messagePattern: '(unclosed' });
  assert.equal(pattern?.path, 'messagePattern');
  assert.match(pattern?.message ?? '', /not a regular expression/);
  assert.deepEqual(
    (await issues(action.id, { frames: 9 })).map((i) => i.path),
    ['frames'],
  );
  assert.match((await issues(action.id, { frames: 9 }))[0]?.message ?? '', /at most 8 frames/);
  assert.equal((await issues(action.id, { errorType: 'not a class' }))[0]?.path, 'errorType');
  assert.match((await issues(action.id, { files: ['src\\orders.ts'] }))[0]?.message ?? '', /write paths with `\/`/);
  assert.match((await issues(action.id, { files: [] }))[0]?.message ?? '', /leave `files` out/);
  assert.equal((await issues(action.id, { ratePerMinute: 0 }))[0]?.path, 'ratePerMinute');
  assert.equal((await issues(action.id, { maxHits: 20_000 }))[0]?.path, 'maxHits', 'an exception action keeps its limit of 10000');
  assert.deepEqual(await issues(action.id, { condition: 'amount > 1' }), [
    { path: 'condition', message: `exception actions have no condition; narrow ${action.id} with errorType, messagePattern or files` },
  ]);
  assert.deepEqual(await issues(log.id, { errorType: 'TypeError', frames: 2 }), [
    { path: 'errorType', message: `only exception actions have \`errorType\`; ${log.id} is a log action` },
    { path: 'frames', message: `only exception actions have \`frames\`; ${log.id} is a log action` },
  ]);
  assert.equal(published.length, before, 'a refused edit publishes nothing');
});

test('the CLI edits an exception action’s filters; the audit trail holds the change with before and after', async (t) => {
  const dir = await tempDir('liveprobe-edit-exception-');
  t.after(() => dir.remove());
  const cp = await startControlPlane({ port: 0, mqttPort: 0, dataDir: dir.path, auth: { mode: 'tokens' } });
  t.after(() => cp.close());
  const token = cp.firstAdminToken!;
  const added = await cli(['exception', 'add', '--tag', 'checkout', '--type', 'TypeError', '--file', 'src/**', '--rate', '2'], {
    server: cp.url,
    token,
  });
  assert.equal(added.code, 0, added.stderr);
  const id = /created (act_\w+)/.exec(added.stdout)?.[1];
  assert.ok(id, added.stdout);

  const edited = await cli(
    ['actions', 'edit', id, '--type', 'PaymentError', '--message', 'declined', '--no-files', '--rate', '12', '--frames', '3'],
    { server: cp.url, token },
  );
  assert.equal(edited.code, 0, edited.stderr);
  assert.match(edited.stdout, new RegExp(`^edited ${id} \\(active: `));
  const shown = await cli(['actions', 'show', id, '--json'], { server: cp.url, token });
  const action = JSON.parse(shown.stdout) as ExceptionAction;
  assert.deepEqual(
    [action.errorType, action.messagePattern, action.files, action.ratePerMinute, action.frames],
    ['PaymentError', 'declined', undefined, 12, 3],
    '--rate is snapshots a minute on an exception action, as on `exception add`',
  );

  const cleared = await cli(['actions', 'edit', id, '--no-type', '--file', '**/payments/*.ts', '--file', 'lib/**'], {
    server: cp.url,
    token,
  });
  assert.equal(cleared.code, 0, cleared.stderr);
  const refused = await cli(['actions', 'edit', id, '--frames', '12'], { server: cp.url, token });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /frames.*at most 8 frames/);

  // On a log action `--rate` stays hits per second, and an exception filter is refused by name.
  const log = await fetch(`${cp.url}/api/v1/actions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(logAction()),
  });
  const logId = ((await log.json()) as CreatedAction).action.id;
  assert.equal((await cli(['actions', 'edit', logId, '--rate', '0.5'], { server: cp.url, token })).code, 0);
  const logShown = JSON.parse((await cli(['actions', 'show', logId, '--json'], { server: cp.url, token })).stdout) as {
    ratePerSecond?: number;
  };
  assert.equal(logShown.ratePerSecond, 0.5);
  const typed = await cli(['actions', 'edit', logId, '--type', 'TypeError'], { server: cp.url, token });
  assert.notEqual(typed.code, 0);
  assert.match(
    typed.stderr,
    new RegExp(`^error: --type "TypeError": only exception actions have \\\`errorType\\\`; ${logId} is a log action`, 'm'),
  );

  const response = await fetch(`${cp.url}/api/v1/audit?action=action.update`, { headers: { authorization: `Bearer ${token}` } });
  const { entries } = (await response.json()) as { entries: AuditEntry[] };
  const ok = entries.filter((e) => e.outcome === 'ok' && e.target === id);
  assert.equal(ok.length, 2);
  const [second, first] = ok as [AuditEntry, AuditEntry];
  assert.deepEqual(
    [(first.before as ExceptionAction).errorType, (first.before as ExceptionAction).files, (first.before as ExceptionAction).ratePerMinute],
    ['TypeError', ['src/**'], 2],
  );
  const firstAfter = (first.after as { action: ExceptionAction }).action;
  assert.deepEqual([firstAfter.errorType, firstAfter.ratePerMinute, firstAfter.frames], ['PaymentError', 12, 3]);
  const secondAfter = (second.after as { action: ExceptionAction }).action;
  assert.deepEqual([secondAfter.errorType, secondAfter.files], [undefined, ['**/payments/*.ts', 'lib/**']]);
});
