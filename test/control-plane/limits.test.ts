// Abuse: oversized and deeply nested bodies, long expressions, too many actions, request
// floods. Each gets a clear 4xx, nothing accepted is lost, and the service stays up.
// Also: the OpenAPI document describes every route the API has.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startControlPlane, type ControlPlane } from '@liveprobe/control-plane';
import { tempDir } from '../helpers/index.js';
import { logAction } from './fixtures.js';

type Options = NonNullable<Parameters<typeof startControlPlane>[0]>;

async function start(t: TestContext, options: Options = {}): Promise<ControlPlane> {
  const dir = await tempDir('liveprobe-limits-');
  const cp = await startControlPlane({ port: 0, mqttPort: 0, dataDir: dir.path, ...options });
  t.after(async () => {
    await cp.close();
    await dir.remove();
  });
  return cp;
}

function post(cp: ControlPlane, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${cp.url}/api/v1/actions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

test('an oversized body gets 413, deep JSON and long expressions get 400, and the service carries on', async (t) => {
  const cp = await start(t);
  const huge = await post(cp, JSON.stringify({ ...logAction(), template: 'x'.repeat(200_000) }));
  assert.equal(huge.status, 413);
  assert.deepEqual(await errorOf(huge), {
    code: 'payload_too_large',
    message: 'the request body is larger than 65536 bytes; an action is a few hundred bytes, so this is not one',
  });

  const deep = await post(cp, `${'['.repeat(30_000)}${']'.repeat(30_000)}`);
  assert.equal(deep.status, 400);
  assert.equal((await errorOf(deep)).code, 'invalid_body');
  const deepObject = await post(cp, `${JSON.stringify(logAction()).slice(0, -1)},"extra":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`);
  assert.equal(deepObject.status, 400);
  assert.match((await errorOf(deepObject)).message, /extra: unknown field/);

  const long = await post(cp, JSON.stringify(logAction({ condition: `${'a + '.repeat(400)}1 > 2` })));
  assert.equal(long.status, 400);
  assert.match((await errorOf(long)).message, /condition: .*characters long; the limit is 1000/);
  const longTemplate = await post(cp, JSON.stringify(logAction({ template: '{a}'.repeat(2000) })));
  assert.equal(longTemplate.status, 400);
  assert.match((await errorOf(longTemplate)).message, /template: .*the limit is 4000/);

  assert.equal((await post(cp, JSON.stringify(logAction()))).status, 201, 'a normal action still goes through');
});

test('a tag or agent id takes at most maxActionsPerTarget live actions; 409 past that, room again once one is removed', async (t) => {
  const cp = await start(t, { limits: { maxActionsPerTarget: 3 } });
  const ids: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const created = await post(cp, JSON.stringify(logAction({ tags: ['busy'] })));
    assert.equal(created.status, 201);
    ids.push(((await created.json()) as { action: { id: string } }).action.id);
  }
  const refused = await post(cp, JSON.stringify(logAction({ tags: ['quiet', 'busy'] })));
  assert.equal(refused.status, 409);
  assert.deepEqual(await errorOf(refused), {
    code: 'too_many_actions',
    message:
      'tag busy already has 3 live actions, the most one target may have; remove some (liveprobe actions rm <id>) or let them expire',
  });
  assert.equal((await post(cp, JSON.stringify(logAction({ tags: ['quiet'] })))).status, 201, 'other tags are not affected');
  await fetch(`${cp.url}/api/v1/actions/${ids[0]}`, { method: 'DELETE' });
  assert.equal((await post(cp, JSON.stringify(logAction({ tags: ['busy'] })))).status, 201);
});

test('a flood of requests gets 429 with Retry-After past the burst; what was accepted is all there, and the rate recovers', async (t) => {
  const cp = await start(t, { auth: { mode: 'tokens' }, limits: { requestsPerSecond: 5, burst: 10 } });
  const token = cp.firstAdminToken!;
  const sent = performance.now();
  const responses = await Promise.all(
    Array.from({ length: 40 }, async () => {
      const response = await post(cp, JSON.stringify(logAction({ tags: ['flood'] })), { authorization: `Bearer ${token}` });
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: (await response.json()) as { action?: { id: string }; error?: { message: string } },
      };
    }),
  );
  const accepted = responses.filter((r) => r.status === 201);
  const limited = responses.filter((r) => r.status === 429);
  assert.equal(accepted.length + limited.length, 40, `only 201 and 429: ${responses.map((r) => r.status).join(',')}`);
  // The burst goes through whatever the timing; beyond it, only what the bucket refilled (5 a
  // second) while the flood lasted (2 ms for the server's millisecond clock).
  const lastedMs = performance.now() - sent;
  const refilled = Math.floor((5 * (lastedMs + 2)) / 1000);
  assert.ok(
    accepted.length >= 10 && accepted.length <= 10 + refilled,
    `the burst of 10 went through, and at most ${refilled} more over ${lastedMs.toFixed(0)} ms (${accepted.length} accepted)`,
  );
  const first = limited[0]!;
  assert.ok(Number(first.retryAfter) >= 1);
  assert.match(
    first.body.error?.message ?? '',
    /^too many requests: at most 5 per second \(bursts of 10\) per token or address; retry in \d+s$/,
  );
  const ids = accepted.map((r) => r.body.action!.id);

  await new Promise((resolve) => setTimeout(resolve, 1200));
  const listed = await fetch(`${cp.url}/api/v1/actions`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(listed.status, 200, 'the rate recovered');
  const actions = ((await listed.json()) as { actions: { id: string }[] }).actions.map((a) => a.id);
  assert.deepEqual([...actions].sort(), [...ids].sort(), 'exactly the accepted actions exist');
  assert.equal((await fetch(`${cp.url}/healthz`)).status, 200);
});

test('GET /api/v1/openapi.json is public and describes every route of the API, with bodies generated from the zod schemas', async (t) => {
  const cp = await start(t, { auth: { mode: 'tokens' } });
  const response = await fetch(`${cp.url}/api/v1/openapi.json`);
  assert.equal(response.status, 200);
  const document = (await response.json()) as {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        { requestBody?: { content: Record<string, { schema: { oneOf?: unknown[]; anyOf?: unknown[] } }> }; 'x-liveprobe-role'?: string }
      >
    >;
  };
  assert.equal(document.openapi, '3.1.0');

  const routes = new Set(
    cp.app.routes
      .filter((r) => r.path.startsWith('/api/v1/') && r.method !== 'ALL' && !r.path.endsWith('*'))
      .map((r) => `${r.method} ${r.path.slice('/api/v1'.length).replace(/:(\w+)/g, '{$1}')}`),
  );
  const documented = new Set(
    Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)),
  );
  for (const route of routes)
    assert.ok(documented.has(route), `${route} is served but missing from the OpenAPI document (control-plane/src/openapi/openapi.ts)`);
  for (const op of documented) assert.ok(routes.has(op), `${op} is documented but not served`);

  const actionBody = document.paths['/actions']?.post?.requestBody?.content['application/json']?.schema;
  assert.ok(actionBody?.oneOf ?? actionBody?.anyOf, 'the action body lists each action type');
  assert.equal(document.paths['/tokens']?.post?.['x-liveprobe-role'], 'admin');
  assert.equal(document.paths['/actions']?.post?.['x-liveprobe-role'], 'editor');
});
