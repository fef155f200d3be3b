// TLS: with a certificate configured, the API is HTTPS and the embedded broker speaks MQTT over
// TLS only; the CLI and an agent trusting the certificate (NODE_EXTRA_CA_CERTS) work through both.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { cli, lineOf, startApp, startControlPlane, tempDir, waitFor } from '../helpers/index.js';

const run = promisify(execFile);
const SHOP = 'examples/shop/dist/server.js';

test('with --tls-cert and --tls-key the API is HTTPS and agents reach the embedded broker over mqtts', { timeout: 60_000 }, async (t) => {
  const dir = await tempDir('liveprobe-tls-');
  t.after(() => dir.remove());
  const cert = join(dir.path, 'cert.pem');
  const key = join(dir.path, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=liveprobe-test',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);

  const cp = await startControlPlane({ auth: true, args: ['--tls-cert', cert, '--tls-key', key] });
  t.after(() => cp.stop());
  assert.match(cp.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(cp.mqttUrl, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
  const trust = { NODE_EXTRA_CA_CERTS: cert };

  await assert.rejects(fetch(cp.url.replace('https:', 'http:') + '/healthz'), 'plain HTTP gets no answer');
  const untrusted = await cli(['actions'], { server: cp.url, token: cp.token! });
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.stderr, /cannot reach the control plane .*certificate/i);
  const plain = mqtt.connect(cp.mqttUrl.replace('mqtts:', 'mqtt:'), { reconnectPeriod: 0, connectTimeout: 2000 });
  const outcome = await new Promise((resolve) => {
    plain.once('connect', () => resolve('connected'));
    plain.once('close', () => resolve('closed'));
  });
  plain.end(true);
  assert.equal(outcome, 'closed', 'plain MQTT gets no answer');

  const created = await cli(['token', 'create', '--name', 'tls-agents', '--role', 'agent', '--tag', 'tls', '--agent', 'shop-tls'], {
    server: cp.url,
    token: cp.token!,
    env: trust,
  });
  assert.equal(created.code, 0, created.stderr);
  const agentToken = created.stdout.split('\n')[1]!;
  const shop = await startApp({
    script: SHOP,
    module: 'esm',
    tags: ['tls'],
    agentId: 'shop-tls',
    broker: cp.mqttUrl.replace('mqtts://', `mqtts://tls-agents:${agentToken}@`),
    env: trust,
  });
  t.after(() => shop.stop());

  const added = await cli(['log', 'add', `${SHOP}:${lineOf(SHOP, 'checkout-return')}`, 'order {order.id}', '--tag', 'tls'], {
    server: cp.url,
    token: cp.token!,
    env: trust,
  });
  assert.equal(added.code, 0, added.stderr);
  await waitFor(
    async () => /installed on 1\/1 agent/.test((await cli(['actions'], { server: cp.url, token: cp.token!, env: trust })).stdout),
    15_000,
    'the action installed over mqtts',
  );
  assert.match(shop.output(), /connected to mqtts:\/\/tls-agents:\*\*\*@/, 'the agent says where it connected');
  assert.ok(!shop.output().includes(agentToken), 'but never prints its token');
});
