// The audit trail: every change (and every change refused for its role) with who, what, when,
// from where, before and after; append-only in SQLite and PostgreSQL; also OpenTelemetry log records.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { openPostgresStore, openSqliteStore, startControlPlane, type AuditEntry, type ControlPlane } from '@liveprobe/control-plane';
import { cli, otlpReceiver, postgres, startControlPlane as startUp, tempDir } from '../helpers/index.js';
import { logAction } from './fixtures.js';

async function start(t: TestContext, dataDir: string): Promise<ControlPlane> {
  const cp = await startControlPlane({ port: 0, mqttPort: 0, dataDir, auth: { mode: 'tokens' } });
  t.after(() => cp.close());
  return cp;
}

async function call(cp: ControlPlane, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${cp.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'user-agent': 'audit-test/1.0',
      'x-forwarded-for': '203.0.113.9',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

test('changes and refused changes are recorded with who, what, when, from where, before and after; reads are not', async (t) => {
  const dir = await tempDir('liveprobe-audit-');
  t.after(() => dir.remove());
  const cp = await start(t, dir.path);
  const admin = cp.firstAdminToken!;
  const editorToken = await call(cp, 'POST', '/tokens', admin, { name: 'ci-deploy', role: 'editor' });
  const viewer = (await call(cp, 'POST', '/tokens', admin, { name: 'dashboards', role: 'viewer' })).body.secret as string;
  const editor = editorToken.body.secret as string;

  const created = await call(cp, 'POST', '/actions', editor, logAction({ tags: ['checkout'] }));
  assert.equal(created.status, 201);
  const id = created.body.action.id as string;
  await call(cp, 'GET', '/actions', editor);
  assert.equal((await call(cp, 'POST', '/actions', viewer, logAction())).status, 403);
  assert.equal((await call(cp, 'DELETE', `/actions/${id}`, editor)).status, 200);
  assert.equal(
    (await call(cp, 'POST', '/actions', editor, { type: 'log' })).status,
    400,
    'an invalid request changes nothing and is not recorded',
  );
  assert.equal((await call(cp, 'DELETE', `/tokens/${editorToken.body.token.id}`, admin)).status, 200);

  const { body } = await call(cp, 'GET', '/audit', admin);
  const entries = body.entries as AuditEntry[];
  assert.deepEqual(
    entries.map((e) => [e.action, e.actor.name, e.outcome]),
    [
      ['token.revoke', 'first admin', 'ok'],
      ['action.delete', 'ci-deploy', 'ok'],
      ['action.create', 'dashboards', 'denied'],
      ['action.create', 'ci-deploy', 'ok'],
      ['token.create', 'first admin', 'ok'],
      ['token.create', 'first admin', 'ok'],
    ],
  );
  const [revoke, remove, denied, create, tokenCreate] = entries as [AuditEntry, AuditEntry, AuditEntry, AuditEntry, AuditEntry];
  assert.equal(create.target, id);
  assert.equal((create.after as { action: { template: string } }).action.template, 'order {order.id}');
  assert.equal(create.before, undefined);
  assert.deepEqual([create.actor.kind, create.actor.role, create.request], ['token', 'editor', 'POST /api/v1/actions']);
  assert.equal(create.source, '127.0.0.1');
  assert.equal(create.forwardedFor, '203.0.113.9');
  assert.equal(create.userAgent, 'audit-test/1.0');
  assert.match(create.time, /^\d{4}-\d\d-\d\dT/);
  assert.equal(remove.target, id);
  assert.equal((remove.before as { id: string; template: string }).template, 'order {order.id}', 'the action as it was');
  assert.equal(remove.after, undefined);
  assert.equal(denied.target, undefined);
  assert.equal((revoke.before as { name: string }).name, 'ci-deploy');
  assert.equal((tokenCreate.after as { secret: string }).secret, '[redacted]', 'secrets never reach the trail');

  const page = await call(cp, 'GET', '/audit?limit=2', admin);
  assert.equal(page.body.entries.length, 2);
  const rest = await call(cp, 'GET', `/audit?limit=10&before=${page.body.next}`, admin);
  assert.deepEqual(
    rest.body.entries.map((e: AuditEntry) => e.id),
    entries.slice(2).map((e) => e.id),
  );
  const byActor = await call(cp, 'GET', '/audit?actor=ci-deploy', admin);
  assert.deepEqual(
    byActor.body.entries.map((e: AuditEntry) => e.action),
    ['action.delete', 'action.create'],
  );
  assert.equal((await call(cp, 'GET', '/audit?limit=0', admin)).status, 400);

  const printed = await cli(['audit', '--action', 'action.create'], { server: cp.url, token: admin });
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(
    printed.stdout,
    /^TIME\s+WHO\s+ROLE\s+ACTION\s+OUTCOME\s+TARGET\s+FROM\n.*dashboards\s+viewer\s+action\.create\s+denied\s+127\.0\.0\.1\n.*ci-deploy\s+editor\s+action\.create\s+ok\s+act_\w+\s+127\.0\.0\.1\n$/,
  );
});

test('the audit log is append-only in SQLite and in PostgreSQL: the database itself refuses UPDATE and DELETE', async (t) => {
  const dir = await tempDir('liveprobe-audit-');
  t.after(() => dir.remove());
  const cp = await startControlPlane({ port: 0, mqttPort: 0, dataDir: dir.path, auth: { mode: 'tokens' } });
  await call(cp, 'POST', '/tokens', cp.firstAdminToken!, { name: 'x', role: 'viewer' });
  await cp.close();
  const server = await postgres();
  const shared = await openPostgresStore(await server.createDatabase());
  const sqlite = await openSqliteStore(join(dir.path, 'liveprobe.db'));
  t.after(async () => {
    await Promise.all([sqlite.close(), shared.store.close()]);
    await server.stop();
  });
  await sql`insert into audit_log (id, time, actor_kind, actor_id, actor_name, actor_role, action, outcome, request, source)
    values ('aud_1', 't', 'system', 's', 's', 'admin', 'x', 'ok', 'r', 's')`.execute(shared.store.db);

  for (const [name, db] of [
    ['sqlite', sqlite.db],
    ['postgres', shared.store.db],
  ] as const) {
    await assert.rejects(sql`update audit_log set actor_name = 'someone else'`.execute(db), /append-only/, `${name} refuses UPDATE`);
    await assert.rejects(sql`delete from audit_log`.execute(db), /append-only/, `${name} refuses DELETE`);
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from audit_log`.execute(db);
    assert.equal(Number(rows[0]?.n), 1, `${name} still has its entry`);
  }
});

test('each audit entry is also an OpenTelemetry log record when OTEL_EXPORTER_OTLP_ENDPOINT is set', async (t) => {
  const otlp = await otlpReceiver();
  t.after(() => otlp.stop());
  const cp = await startUp({ auth: true, env: { ...otlp.env('http/protobuf'), OTEL_SERVICE_NAME: 'liveprobe-cp' } });
  t.after(() => cp.stop());
  const created = await call(cp as unknown as ControlPlane, 'POST', '/actions', cp.token!, logAction());
  assert.equal(created.status, 201);
  const record = await otlp.waitForLog((r) => r.attributes['liveprobe.audit.action'] === 'action.create', 10_000, 'the audit log record');
  assert.equal(record.body, `first admin did action.create ${created.body.action.id}`);
  assert.equal(record.severityText, 'INFO');
  assert.equal(record.attributes['liveprobe.audit.target'], created.body.action.id);
  assert.equal(record.attributes['liveprobe.audit.actor.role'], 'admin');
  assert.equal(record.attributes['client.address'], '127.0.0.1');
  assert.match(String(record.attributes['liveprobe.audit.after']), /"template":"order \{order.id\}"/);
  assert.equal(record.resource['service.name'], 'liveprobe-cp');
});
