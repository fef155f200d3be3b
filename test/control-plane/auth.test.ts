// Who may call the API: API tokens and roles, OIDC against a real JWKS served on loopback,
// and the CLI's side (`liveprobe up` prints the first admin token, --token / LIVEPROBE_TOKEN).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { sql } from 'kysely';
import { generateKeyPair } from 'jose';
import { openSqliteStore, startControlPlane, type ControlPlane } from '@liveprobe/control-plane';
import { identityProvider } from '../helpers/identity-provider.js';
import { cli, startControlPlane as startUp, tempDir, waitFor } from '../helpers/index.js';
import { logAction } from './fixtures.js';

type Options = NonNullable<Parameters<typeof startControlPlane>[0]>;

async function dataDir(t: TestContext): Promise<string> {
  const dir = await tempDir('liveprobe-auth-');
  t.after(() => dir.remove());
  return dir.path;
}

async function start(t: TestContext, options: Options): Promise<ControlPlane> {
  const cp = await startControlPlane({ port: 0, mqttPort: 0, auth: { mode: 'tokens' }, ...options });
  t.after(() => cp.close());
  return cp;
}

async function call(
  cp: ControlPlane,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${cp.url}/api/v1${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (path === '/events' && response.ok) return { status: response.status, body: undefined, headers: response.headers };
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

async function tokenWith(cp: ControlPlane, admin: string, role: string): Promise<string> {
  const created = await call(cp, 'POST', '/tokens', admin, { name: `${role}-user`, role });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.secret as string;
}

test('the first start creates an admin token, stores only its hash, and a restart keeps it valid without making another', async (t) => {
  const dir = await dataDir(t);
  const first = await startControlPlane({ port: 0, mqttPort: 0, dataDir: dir, auth: { mode: 'tokens' } });
  const admin = first.firstAdminToken;
  assert.match(admin ?? '', /^lpt_[A-Za-z0-9_-]{43}$/);
  await first.close();

  const store = await openSqliteStore(join(dir, 'liveprobe.db'));
  const { rows } = await sql<{
    name: string;
    role: string;
    secret_sha256: string;
  }>`select name, role, secret_sha256 from api_tokens`.execute(store.db);
  await store.close();
  assert.deepEqual(
    rows.map((r) => [r.name, r.role]),
    [['first admin', 'admin']],
  );
  assert.ok(!JSON.stringify(rows).includes(admin!.slice(4)), 'the secret itself is not stored');

  const again = await start(t, { dataDir: dir });
  assert.equal(again.firstAdminToken, undefined, 'no second first-admin token');
  assert.equal((await call(again, 'GET', '/whoami', admin)).body.role, 'admin');
});

test('requests without a valid token get 401 with a message that says what to send', async (t) => {
  const cp = await start(t, { dataDir: await dataDir(t) });
  const none = await call(cp, 'GET', '/actions');
  assert.equal(none.status, 401);
  assert.equal(none.body.error.code, 'unauthenticated');
  assert.match(none.body.error.message, /Authorization: Bearer <token>.*--token or LIVEPROBE_TOKEN/);
  // Where to get one: the first start, the demo's every start, or a new one when it is lost.
  assert.match(none.body.error.message, /first time it starts .*demo.* each start.*liveprobe up --new-admin-token/);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="liveprobe"');
  assert.match((await call(cp, 'GET', '/actions', 'lpt_not-a-real-token')).body.error.message, /unknown, revoked or expired/);
  assert.match((await call(cp, 'GET', '/actions', 'abc.def.ghi')).body.error.message, /single sign-on is not configured/);
  assert.equal((await call(cp, 'GET', '/healthz')).status, 200, 'liveness stays public');
});

test('roles: viewers read, editors change actions, only admins manage tokens; for every endpoint', async (t) => {
  const cp = await start(t, { dataDir: await dataDir(t) });
  const admin = cp.firstAdminToken!;
  const tokens = { viewer: await tokenWith(cp, admin, 'viewer'), editor: await tokenWith(cp, admin, 'editor'), admin };
  const { body: created } = await call(cp, 'POST', '/actions', admin, logAction());
  const spareToken = (await call(cp, 'POST', '/tokens', admin, { name: 'spare', role: 'viewer' })).body.token.id as string;

  // [method, path, body, the least role that may]
  const endpoints: Array<[string, string, unknown, 'viewer' | 'editor' | 'admin']> = [
    ['GET', '/actions', undefined, 'viewer'],
    ['GET', `/actions/${created.action.id}`, undefined, 'viewer'],
    ['GET', '/agents', undefined, 'viewer'],
    ['GET', '/snapshots', undefined, 'viewer'],
    ['GET', '/events', undefined, 'viewer'],
    ['GET', '/whoami', undefined, 'viewer'],
    ['POST', '/actions', logAction(), 'editor'],
    ['DELETE', '/actions/act_does_not_exist', undefined, 'editor'],
    ['GET', '/tokens', undefined, 'admin'],
    ['GET', `/tokens/${spareToken}`, undefined, 'admin'],
    ['POST', '/tokens', { name: 'x', role: 'viewer' }, 'admin'],
    ['DELETE', '/tokens/tok_does_not_exist', undefined, 'admin'],
  ];
  const rank = { viewer: 0, editor: 1, admin: 2 };
  for (const [method, path, body, least] of endpoints) {
    for (const [role, token] of Object.entries(tokens) as Array<[keyof typeof rank, string]>) {
      const controller = new AbortController();
      const response = await fetch(`${cp.url}/api/v1${path}`, {
        method,
        signal: controller.signal,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const allowed = rank[role] >= rank[least];
      if (allowed) {
        controller.abort(); // the event stream never ends by itself
        assert.notEqual(response.status, 403, `${role} may ${method} ${path}`);
        assert.notEqual(response.status, 401, `${role} may ${method} ${path}`);
      } else {
        assert.equal(response.status, 403, `${role} may not ${method} ${path}`);
        const { error } = (await response.json()) as { error: { code: string; message: string } };
        assert.equal(error.code, 'forbidden');
        assert.match(error.message, new RegExp(`has the role ${role}; ${method} /api/v1\\S* needs ${least} or above`));
      }
    }
  }
});

test('a revoked token is refused at once, and token secrets are never listed', async (t) => {
  const cp = await start(t, { dataDir: await dataDir(t) });
  const admin = cp.firstAdminToken!;
  const created = await call(cp, 'POST', '/tokens', admin, { name: 'ci', role: 'editor', expiresIn: '30d' });
  assert.equal(created.body.token.role, 'editor');
  const secret = created.body.secret as string;
  assert.equal((await call(cp, 'GET', '/actions', secret)).status, 200);
  const listed = await call(cp, 'GET', '/tokens', admin);
  assert.ok(!JSON.stringify(listed.body).includes(secret), 'no secret in the list');
  assert.deepEqual(
    listed.body.tokens.map((x: { name: string }) => x.name),
    ['first admin', 'ci'],
  );

  assert.equal((await call(cp, 'DELETE', `/tokens/${created.body.token.id}`, admin)).status, 200);
  const refused = await call(cp, 'GET', '/actions', secret);
  assert.equal(refused.status, 401);
  assert.match(refused.body.error.message, /revoked/);
  assert.equal((await call(cp, 'DELETE', `/tokens/${created.body.token.id}`, admin)).status, 404);
});

test('a token that expired is refused', async (t) => {
  const cp = await start(t, { dataDir: await dataDir(t) });
  const bad = await call(cp, 'POST', '/tokens', cp.firstAdminToken!, { name: 'x', role: 'superuser' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /role/);
  const short = await call(cp, 'POST', '/tokens', cp.firstAdminToken!, { name: 'short', role: 'viewer', expiresIn: '1s' });
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal((await call(cp, 'GET', '/actions', short.body.secret)).status, 401);
});

test('auth cannot be off on a host other machines reach', async () => {
  await assert.rejects(
    startControlPlane({ port: 0, mqttPort: 0, host: '0.0.0.0', auth: { mode: 'off' } }),
    /auth\.mode is "off"; expected "tokens" when listening on 0\.0\.0\.0/,
  );
});

// --- OIDC: a local identity provider with a real key set, and real signed JWTs ---

test('OIDC: a valid JWT with a role claim is accepted; expired, wrong audience, wrong issuer, wrong key and role-less ones are not', async (t) => {
  const idp = await identityProvider();
  t.after(() => idp.stop());
  const cp = await start(t, {
    dataDir: await dataDir(t),
    auth: { oidc: { issuer: idp.issuer, audience: 'liveprobe', roleClaim: 'realm_access.roles' } },
  });
  const roles = (list: string[]) => ({ realm_access: { roles: ['offline_access', ...list] }, email: 'ada@example.com' });

  const editor = await idp.sign(roles(['editor']));
  const me = await call(cp, 'GET', '/whoami', editor);
  assert.deepEqual(me.body, { kind: 'oidc', id: 'user-42', name: 'ada@example.com', role: 'editor' });
  assert.equal((await call(cp, 'POST', '/actions', editor, logAction())).status, 201);
  assert.equal((await call(cp, 'GET', '/tokens', editor)).status, 403);
  assert.equal(
    (await call(cp, 'GET', '/tokens', await idp.sign(roles(['viewer', 'admin'])))).body.tokens.length,
    1,
    'the highest role wins',
  );

  const expired = await call(cp, 'GET', '/actions', await idp.sign(roles(['admin']), { expiresIn: Math.floor(Date.now() / 1000) - 60 }));
  assert.equal(expired.status, 401);
  assert.match(expired.body.error.message, /expired/);
  const audience = await call(cp, 'GET', '/actions', await idp.sign(roles(['admin']), { audience: 'another-app' }));
  assert.equal(audience.status, 401);
  assert.match(audience.body.error.message, /aud.*expected issuer .*, audience liveprobe/);
  const issuer = await call(cp, 'GET', '/actions', await idp.sign(roles(['admin']), { issuer: 'https://evil.example' }));
  assert.equal(issuer.status, 401);
  assert.match(issuer.body.error.message, /iss/);
  const stranger = (await generateKeyPair('RS256')).privateKey;
  for (const kid of ['key-1', 'key-unknown']) {
    const forged = await call(cp, 'GET', '/actions', await idp.sign(roles(['admin']), { key: stranger, kid }));
    assert.equal(forged.status, 401, `a JWT signed by another key (kid ${kid})`);
    assert.match(forged.body.error.message, /not signed by a key of the configured identity provider/);
  }
  const roleless = await call(cp, 'GET', '/actions', await idp.sign({ email: 'bob@example.com' }));
  assert.equal(roleless.status, 403);
  assert.match(roleless.body.error.message, /bob@example.com .* no liveprobe role in the "realm_access.roles" claim/);
});

test('`liveprobe up` prints the first admin token once; the CLI sends --token or LIVEPROBE_TOKEN and explains a 401', async (t) => {
  const cp = await startUp({ auth: true });
  t.after(() => cp.stop());
  assert.ok(cp.token, `no admin token in:\n${cp.output()}`);
  assert.match(cp.output(), /export LIVEPROBE_TOKEN=lpt_/);

  const refused = await cli(['actions'], { server: cp.url });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: this request has no token; send an API token .* \(CLI: --token or LIVEPROBE_TOKEN\)/);

  const created = await cli(['token', 'create', '--name', 'ops', '--role', 'editor'], { server: cp.url, token: cp.token });
  assert.equal(created.code, 0, created.stderr);
  const secret = created.stdout.split('\n')[1] ?? '';
  assert.match(secret, /^lpt_/);
  const whoami = await cli(['whoami', '--token', secret], { server: cp.url });
  assert.equal(whoami.stdout.trim(), `ops (API token ${/created (tok_\w+)/.exec(created.stdout)?.[1]}), role editor`);
  const listed = await cli(['token', 'list'], { server: cp.url, token: secret });
  assert.equal(listed.code, 1);
  assert.match(listed.stderr, /has the role editor; GET \/api\/v1\/tokens needs admin/);

  await cp.restart();
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.doesNotMatch(cp.output(), /admin token\s+lpt_/, 'the restart shows no token');
  assert.match(cp.output(), /admin token\s+made on the first start/);
  const still = await cli(['actions'], { server: cp.url, token: cp.token });
  assert.equal(still.code, 0, still.stderr);
});

test('`liveprobe up --demo` (npm start) prints a working token among the commands to try, a fresh one each start', async (t) => {
  const cp = await startUp({ auth: true, args: ['--demo', '--demo-port', '0'] });
  t.after(() => cp.stop());
  const demoToken = () => [...cp.output().matchAll(/^ {2}export LIVEPROBE_TOKEN=(lpt_\S+)$/gm)].at(-1)?.[1];
  const first = demoToken();
  assert.ok(first, `no token among the demo commands:\n${cp.output()}`);
  const listed = await cli(['actions'], { server: cp.url, token: first });
  assert.equal(listed.code, 0, listed.stderr);
  // The shop's agent got an agent token of its own for the embedded broker, which wants one now.
  await waitFor(
    async () => / online /.test((await cli(['agents'], { server: cp.url, token: first })).stdout),
    15_000,
    'the demo shop online',
  );
  // The demo prepares the shop's compiled files: the README's first action lands on a prepared site.
  const added = await cli(['log', 'add', 'examples/shop/src/server.ts:65', 'order {order.id}', '--tag', 'demo'], {
    server: cp.url,
    token: first,
  });
  assert.equal(added.code, 0, added.stderr);
  const id = /created (act_\w+)/.exec(added.stdout)?.[1];
  await waitFor(
    async () => {
      const { stdout } = await cli(['actions', '--json'], { server: cp.url, token: first });
      const action = (JSON.parse(stdout) as { actions: { id: string; statuses: { message?: string }[] }[] }).actions.find(
        (a) => a.id === id,
      );
      return action?.statuses.some((s) => s.message === 'prepared site (no breakpoint)') === true;
    },
    15_000,
    'the demo action installed on a prepared site',
  );

  await cp.restart();
  const second = demoToken();
  assert.ok(second !== undefined && second !== first, 'a new demo token');
  assert.equal((await cli(['actions'], { server: cp.url, token: second })).code, 0);
  assert.equal((await cli(['actions'], { server: cp.url, token: first })).code, 1, 'the previous demo token is revoked');
});
