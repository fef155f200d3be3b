// MQTT authentication and topic ACLs: one suite, run against the control plane's embedded
// broker and against a real Mosquitto configured with the repository's mosquitto/acl.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { startControlPlane } from '@liveprobe/control-plane';
import { mosquitto, tempDir, waitFor } from '../helpers/index.js';
import { fromRoot } from '../helpers/paths.js';

const run = promisify(execFile);

interface Broker {
  url: string;
  /** The control plane's credentials: it may do anything. */
  controlPlane: { username: string; password: string };
  /** Credentials of an agent allowed the tag `checkout` only. */
  checkoutAgent: { username: string; password: string };
}

async function connect(t: TestContext, url: string, clientId: string, credentials: { username: string; password: string }): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, protocolVersion: 4, ...credentials });
  t.after(() => client.endAsync(true));
  return client;
}

async function granted(client: mqtt.MqttClient, filter: string): Promise<boolean> {
  const [grant] = await client.subscribeAsync(filter, { qos: 1 });
  return grant !== undefined && grant.qos !== 128;
}

async function suite(t: TestContext, broker: Broker): Promise<void> {
  await assert.rejects(
    mqtt.connectAsync(broker.url, { clientId: 'shop-x', reconnectPeriod: 0, username: broker.checkoutAgent.username, password: 'wrong' }),
    /Bad username or password|Not authorized/i,
    'a wrong password is refused',
  );
  await assert.rejects(mqtt.connectAsync(broker.url, { clientId: 'shop-y', reconnectPeriod: 0 }), /Bad username or password|Not authorized/i, 'no password is refused');

  const controlPlane = await connect(t, broker.url, 'observer', broker.controlPlane);
  const seen: string[] = [];
  controlPlane.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
  await controlPlane.subscribeAsync(['liveprobe/v1/agents/+/status', 'liveprobe/v1/agents/+/events', 'liveprobe/v1/tags/+/actions'], { qos: 1 });

  const agent = await connect(t, broker.url, 'shop-1', broker.checkoutAgent);
  assert.equal(await granted(agent, 'liveprobe/v1/tags/checkout/actions'), true, 'its tag');
  assert.equal(await granted(agent, 'liveprobe/v1/agents/shop-1/actions'), true, 'its own actions');
  assert.equal(await granted(agent, 'liveprobe/v1/tags/payments/actions'), false, 'another tag');
  assert.equal(await granted(agent, 'liveprobe/v1/agents/shop-2/actions'), false, 'another agent’s actions');
  assert.equal(await granted(agent, 'liveprobe/v1/tags/+/actions'), false, 'a wildcard over every tag');
  assert.equal(await granted(agent, 'liveprobe/v1/agents/+/events'), false, 'other agents’ events');

  // Refused publishes never reach anyone (the broker may also drop the connection, as aedes does).
  const attempt = async (topic: string, payload: string) => {
    const client = agent.connected ? agent : await connect(t, broker.url, 'shop-1', broker.checkoutAgent);
    await client.publishAsync(topic, payload, { qos: 1, retain: true }).catch(() => undefined);
  };
  await attempt('liveprobe/v1/tags/checkout/actions', '{"rev":999,"actions":[]}');
  await attempt('liveprobe/v1/agents/shop-2/status', '{"state":"offline","agentId":"shop-2"}');
  await attempt('liveprobe/v1/agents/shop-2/events', '{"forged":true}');
  await attempt('liveprobe/v1/agents/shop-1/events', '{"own":true}');
  await waitFor(() => seen.some((m) => m === 'liveprobe/v1/agents/shop-1/events {"own":true}'), 5000, 'its own event to arrive');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(seen, ['liveprobe/v1/agents/shop-1/events {"own":true}'], 'only its own event got through');
}

test('the embedded broker (authentication on) takes agent tokens and enforces the topic rules', async (t) => {
  const dir = await tempDir('liveprobe-acl-');
  t.after(() => dir.remove());
  const cp = await startControlPlane({ port: 0, mqttPort: 0, dataDir: dir.path, auth: { mode: 'tokens' } });
  t.after(() => cp.close());
  const agentToken = await cp.issueToken('checkout-agents', 'agent', { tags: ['checkout'] });
  const observerToken = await cp.issueToken('all-tags', 'agent', { tags: ['*'] });
  // The control plane's own MQTT client is internal (a fresh password each start): what reaches it is watched through its event stream.
  const events: string[] = [];
  const response = await fetch(`${cp.url}/api/v1/events`, { headers: { authorization: `Bearer ${cp.firstAdminToken}` } });
  void (async () => {
    for await (const chunk of response.body!) events.push(Buffer.from(chunk).toString());
  })().catch(() => undefined);
  t.after(() => response.body?.cancel().catch(() => undefined));

  await assert.rejects(mqtt.connectAsync(cp.mqttUrl, { clientId: 'x', reconnectPeriod: 0, username: 'x', password: 'lpt_nope' }), /Bad username or password/);
  await assert.rejects(mqtt.connectAsync(cp.mqttUrl, { clientId: 'x', reconnectPeriod: 0, username: 'x', password: cp.firstAdminToken! }), /Bad username or password/, 'an admin token is not an agent token');
  await assert.rejects(mqtt.connectAsync(cp.mqttUrl, { clientId: 'a/+', reconnectPeriod: 0, username: 'x', password: agentToken }), /Identifier rejected/, 'a client id that is not an agent id');

  const agent = await connect(t, cp.mqttUrl, 'shop-1', { username: 'checkout-agents', password: agentToken });
  assert.equal(await granted(agent, 'liveprobe/v1/tags/checkout/actions'), true);
  assert.equal(await granted(agent, 'liveprobe/v1/agents/shop-1/actions'), true);
  assert.equal(await granted(agent, 'liveprobe/v1/tags/payments/actions'), false);
  assert.equal(await granted(agent, 'liveprobe/v1/agents/shop-2/actions'), false);
  assert.equal(await granted(agent, 'liveprobe/v1/tags/+/actions'), false);
  const wide = await connect(t, cp.mqttUrl, 'shop-9', { username: 'all-tags', password: observerToken });
  assert.equal(await granted(wide, 'liveprobe/v1/tags/payments/actions'), true, '`*` reaches every tag');
  assert.equal(await granted(wide, 'liveprobe/v1/tags/#'), false, 'but never by wildcard');

  const retained: string[] = [];
  wide.on('message', (topic, payload) => retained.push(`${topic} ${payload.toString()}`));
  await agent.publishAsync('liveprobe/v1/tags/payments/actions', '{"rev":999,"actions":[]}', { qos: 1, retain: true }).catch(() => undefined);
  await waitFor(() => !agent.connected, 5000, 'aedes to drop a client that publishes where it may not');
  const again = await connect(t, cp.mqttUrl, 'shop-1', { username: 'checkout-agents', password: agentToken });
  await again.publishAsync('liveprobe/v1/agents/shop-1/events', JSON.stringify({ kind: 'dropped', agentId: 'shop-1', time: new Date().toISOString(), count: 1, reason: 'own event' }), { qos: 1 });
  await waitFor(() => events.join('').includes('own event'), 5000, 'its own event to reach the control plane');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(!retained.some((m) => m.includes('"rev":999')), 'the forged desired state reached no one');

  // Revoking the token shuts the next connection out.
  const { revoked } = (await (await fetch(`${cp.url}/api/v1/tokens`, { headers: { authorization: `Bearer ${cp.firstAdminToken}` } })).json() as { tokens: { id: string; name: string }[] }).tokens
    .filter((tok) => tok.name === 'checkout-agents')
    .map((tok) => ({ revoked: tok.id }))[0]!;
  await fetch(`${cp.url}/api/v1/tokens/${revoked}`, { method: 'DELETE', headers: { authorization: `Bearer ${cp.firstAdminToken}` } });
  await assert.rejects(mqtt.connectAsync(cp.mqttUrl, { clientId: 'shop-1', reconnectPeriod: 0, username: 'checkout-agents', password: agentToken }), /Bad username or password/);
});

test('Mosquitto with the repository’s mosquitto/acl enforces the same rules', async (t) => {
  const dir = await tempDir('liveprobe-mosquitto-acl-');
  t.after(() => dir.remove());
  const passwords = join(dir.path, 'passwords');
  const acl = join(dir.path, 'acl');
  await writeFile(passwords, '');
  await run('mosquitto_passwd', ['-b', passwords, 'liveprobe-control-plane', 'cp-secret']);
  await run('mosquitto_passwd', ['-b', passwords, 'checkout-agents', 'agent-secret']);
  await copyFile(fromRoot('mosquitto/acl'), acl);
  // Mosquitto started as root reads these as the mosquitto user.
  await chmod(dir.path, 0o755);
  for (const file of [passwords, acl]) await chmod(file, 0o644);
  const broker = await mosquitto({ auth: ['allow_anonymous false', `password_file ${passwords}`, `acl_file ${acl}`] });
  t.after(() => broker.stop());
  await suite(t, {
    url: broker.url,
    controlPlane: { username: 'liveprobe-control-plane', password: 'cp-secret' },
    checkoutAgent: { username: 'checkout-agents', password: 'agent-secret' },
  });
});
