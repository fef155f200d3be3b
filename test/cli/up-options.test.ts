/**
 * `liveprobe up` options the other suites do not reach: a new admin token on a restart, one
 * signing key file shared by two control planes, and single sign-on configured by flags and
 * environment variables. Real `liveprobe up` processes, a real identity provider over HTTP.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { type DesiredState, desiredStateSigningInput } from '@liveprobe/protocol';
import { identityProvider } from '../helpers/identity-provider.js';
import { type ControlPlaneOptions, startControlPlane, tempDir } from '../helpers/index.js';
import { Child, builtFile } from '@liveprobe/harness';

const api = (url: string, path: string, token?: string, init: RequestInit = {}) =>
  fetch(`${url}/api/v1${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
  });

test('--new-admin-token prints one more admin token on a restart; without it a restart prints none', async (t) => {
  const options: ControlPlaneOptions & { args: string[] } = { auth: true, args: [] };
  const cp = await startControlPlane(options);
  t.after(() => cp.stop());
  const first = cp.token!;
  assert.match(first, /^lpt_/);

  await cp.restart();
  assert.match(cp.output(), /^admin token\s+made on the first start and shown then; lost it\? restart with --new-admin-token$/m);
  assert.doesNotMatch(cp.output(), /lpt_/);

  options.args.push('--new-admin-token');
  await cp.restart();
  const second = /^admin token\s+(lpt_\S+)\s+\(shown once/m.exec(cp.output())?.[1];
  assert.ok(second !== undefined && second !== first, cp.output());
  const listed = (await (await api(cp.url, '/tokens', second)).json()) as { tokens: { name: string; role: string }[] };
  assert.ok(listed.tokens.some((tok) => tok.name === 'admin (--new-admin-token)' && tok.role === 'admin'));
  assert.equal((await api(cp.url, '/whoami', first)).status, 200, 'the first token still works');
});

test('two control planes given one --signing-key-file sign with the same key, which agents verify', async (t) => {
  const dir = await tempDir('liveprobe-signing-');
  t.after(() => dir.remove());
  const keyFile = join(dir.path, 'shared-signing-key.pem');
  const one = await startControlPlane({ args: ['--signing-key-file', keyFile] });
  t.after(() => one.stop());
  const two = await startControlPlane({ env: { LIVEPROBE_SIGNING_KEY_FILE: keyFile } });
  t.after(() => two.stop());

  const banner = (output: string) => /^signing key\s+(\S+)( \(new\))?; agents: LIVEPROBE_PUBLIC_KEY=(\S+)$/m.exec(output);
  const [b1, b2] = [banner(one.output()), banner(two.output())];
  assert.deepEqual([b1?.[1], b1?.[2]], [keyFile, ' (new)'], 'the first creates it');
  assert.deepEqual([b2?.[1], b2?.[2]], [keyFile, undefined], 'the second reads it');
  assert.equal(b1?.[3], b2?.[3], 'one public key');
  assert.equal((await stat(keyFile)).mode & 0o777, 0o600);

  const publicKey = createPublicKey({ key: Buffer.from(b1![3]!, 'base64'), format: 'der', type: 'spki' });
  for (const cp of [one, two]) {
    const tag = `signed-${cp === one ? 1 : 2}`;
    const created = await api(cp.url, '/actions', undefined, {
      method: 'POST',
      body: JSON.stringify({ type: 'log', file: 'src/a.ts', line: 1, template: 'x', tags: [tag] }),
    });
    assert.equal(created.status, 201);
    const client = await mqtt.connectAsync(cp.mqttUrl, { reconnectPeriod: 0 });
    t.after(() => client.endAsync(true));
    const topic = `liveprobe/v1/tags/${tag}/actions`;
    const message = new Promise<DesiredState & { sig: string }>((resolve) =>
      client.on('message', (_topic, payload) => resolve(JSON.parse(payload.toString()))),
    );
    await client.subscribeAsync(topic, { qos: 1 });
    const { rev, actions, sig } = await message;
    assert.equal(verify(null, desiredStateSigningInput(topic, rev, actions), publicKey, Buffer.from(sig, 'base64')), true, tag);
  }
});

test('--oidc-issuer, --oidc-audience and --oidc-role-claim (or their variables) turn on single sign-on; --oidc-jwks-url finds keys without discovery', async (t) => {
  const idp = await identityProvider();
  t.after(() => idp.stop());
  const cp = await startControlPlane({
    auth: true,
    args: ['--oidc-issuer', idp.issuer, '--oidc-role-claim', 'realm_access.roles'],
    env: { LIVEPROBE_OIDC_AUDIENCE: 'liveprobe' },
  });
  t.after(() => cp.stop());
  assert.match(cp.output(), new RegExp(`^auth\\s+API tokens and single sign-on \\(${idp.issuer}\\)`, 'm'));
  const editor = await idp.sign({ realm_access: { roles: ['editor'] }, email: 'ada@example.com' });
  assert.deepEqual(await (await api(cp.url, '/whoami', editor)).json(), {
    kind: 'oidc',
    id: 'user-42',
    name: 'ada@example.com',
    role: 'editor',
  });
  const otherAudience = await idp.sign({ realm_access: { roles: ['editor'] } }, { audience: 'someone-else' });
  assert.equal((await api(cp.url, '/whoami', otherAudience)).status, 401);

  const hidden = await identityProvider({ discovery: false });
  t.after(() => hidden.stop());
  const byUrl = await startControlPlane({
    auth: true,
    args: ['--oidc-issuer', hidden.issuer, '--oidc-audience', 'liveprobe', '--oidc-jwks-url', hidden.jwksUrl],
  });
  t.after(() => byUrl.stop());
  const admin = await hidden.sign({ roles: 'viewer admin' });
  assert.equal(((await (await api(byUrl.url, '/whoami', admin)).json()) as { role: string }).role, 'admin', 'the default claim, roles');
});

test('--oidc-issuer without an audience is refused at start, naming the missing setting', async () => {
  const dir = await tempDir('liveprobe-oidc-');
  try {
    const child = new Child(
      process.execPath,
      [
        builtFile('cli/dist/main.js'),
        'up',
        '--port',
        '0',
        '--mqtt-port',
        '0',
        '--data-dir',
        dir.path,
        '--oidc-issuer',
        'http://127.0.0.1:1',
      ],
      { name: 'control-plane' },
    );
    const status = await child.exited;
    assert.notEqual(status.code, 0);
    assert.match(child.output(), /auth\.oidc\.audience/);
  } finally {
    await dir.remove();
  }
});
