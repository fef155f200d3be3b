// MQTT authentication and topic ACLs, against the control plane's embedded broker and against a
// real Mosquitto configured with the repository's mosquitto/acl: an agent reads only its tags'
// and its own desired state, and publishes only its own status and events.
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
import { logAction } from './fixtures.js';

const run = promisify(execFile);
const P = 'liveprobe/v1';
const RETAINED = [`${P}/tags/checkout/actions`, `${P}/tags/payments/actions`, `${P}/agents/shop-1/actions`, `${P}/agents/shop-2/actions`];

async function connect(
  t: TestContext,
  url: string,
  clientId: string,
  credentials: { username: string; password: string },
): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, protocolVersion: 4, ...credentials });
  t.after(() => client.endAsync(true));
  return client;
}

/** Which of the retained desired states an agent can read, whatever filters it tries. */
async function readable(client: mqtt.MqttClient): Promise<string[]> {
  const received = new Set<string>();
  client.on('message', (topic) => received.add(topic));
  for (const filter of [...RETAINED, `${P}/tags/+/actions`, `${P}/agents/+/actions`, `${P}/#`, '#']) {
    await client.subscribeAsync(filter, { qos: 1 }).catch(() => undefined); // a refusal may come as SUBACK 0x80
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  return [...received].sort();
}

async function refusesBadCredentials(url: string, username: string, others: string[]): Promise<void> {
  for (const password of ['wrong', ...others]) {
    await assert.rejects(
      mqtt.connectAsync(url, { clientId: 'shop-x', reconnectPeriod: 0, username, password }),
      /Bad username or password|Not authorized/i,
      `password ${password.slice(0, 8)}… refused`,
    );
  }
  await assert.rejects(
    mqtt.connectAsync(url, { clientId: 'shop-y', reconnectPeriod: 0 }),
    /Bad username or password|Not authorized/i,
    'no password is refused',
  );
}

test('the embedded broker takes agent tokens and holds agents to their tags and their own topics', { timeout: 30_000 }, async (t) => {
  const dir = await tempDir('liveprobe-acl-');
  t.after(() => dir.remove());
  const cp = await startControlPlane({ port: 0, mqttPort: 0, dataDir: dir.path, auth: { mode: 'tokens' } });
  t.after(() => cp.close());
  const admin = cp.firstAdminToken!;
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${cp.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  // Desired state retained on every topic the agent might try.
  await api('POST', '/actions', logAction({ tags: ['checkout', 'payments'], agents: ['shop-1', 'shop-2'] }));
  const agentToken = await cp.issueToken('checkout-agents', 'agent', { tags: ['checkout'] });
  const everyTag = await cp.issueToken('all-tags', 'agent', { tags: ['*'] });

  await refusesBadCredentials(cp.mqttUrl, 'checkout-agents', ['lpt_unknown', admin]);
  await assert.rejects(
    mqtt.connectAsync(cp.mqttUrl, { clientId: 'a/+', reconnectPeriod: 0, username: 'x', password: agentToken }),
    /Identifier rejected/,
    'a client id that is not an agent id',
  );

  const agent = await connect(t, cp.mqttUrl, 'shop-1', { username: 'checkout-agents', password: agentToken });
  assert.deepEqual(await readable(agent), [`${P}/agents/shop-1/actions`, `${P}/tags/checkout/actions`]);
  const wide = await connect(t, cp.mqttUrl, 'shop-9', { username: 'all-tags', password: everyTag });
  assert.deepEqual(
    await readable(wide),
    [`${P}/tags/checkout/actions`, `${P}/tags/payments/actions`],
    '`*` reads every tag, and never another agent’s topic',
  );

  const forged: string[] = [];
  wide.on('message', (topic, payload) => forged.push(`${topic} ${payload.toString()}`));
  const events = await fetch(`${cp.url}/api/v1/events`, { headers: { authorization: `Bearer ${admin}` } });
  const streamed: string[] = [];
  void (async () => {
    for await (const chunk of events.body!) streamed.push(Buffer.from(chunk).toString());
  })().catch(() => undefined);
  t.after(() => events.body?.cancel().catch(() => undefined));

  // QoS 0: aedes answers a refused publish by closing the connection, so no PUBACK would ever come.
  await agent.publishAsync(`${P}/tags/payments/actions`, '{"rev":999,"actions":[]}', { qos: 0, retain: true });
  await waitFor(() => !agent.connected, 5000, 'aedes to drop a client that publishes where it may not');
  const again = await connect(t, cp.mqttUrl, 'shop-1', { username: 'checkout-agents', password: agentToken });
  await again.publishAsync(
    `${P}/agents/shop-2/status`,
    JSON.stringify({
      state: 'online',
      agentId: 'shop-2',
      hostname: 'h',
      pid: 1,
      runtime: 'node',
      runtimeVersion: 'v20',
      agentVersion: '0',
      tags: [],
      startedAt: new Date().toISOString(),
    }),
    { qos: 0 },
  );
  await waitFor(() => !again.connected, 5000, 'aedes to drop it again');
  const third = await connect(t, cp.mqttUrl, 'shop-1', { username: 'checkout-agents', password: agentToken });
  await third.publishAsync(
    `${P}/agents/shop-1/events`,
    JSON.stringify({ kind: 'dropped', agentId: 'shop-1', time: new Date().toISOString(), count: 1, reason: 'own event' }),
    { qos: 1 },
  );
  await waitFor(() => streamed.join('').includes('own event'), 5000, 'its own event to reach the control plane');
  // The broker delivers one topic's messages in the order it took them: a genuine change of the
  // payments topic, published after the forged one, arrives after it had it got through.
  const genuine = (m: string) => m.startsWith(`${P}/tags/payments/actions `) && !m.includes('"rev":999');
  assert.equal((await api('POST', '/actions', logAction({ tags: ['payments'] }))).status, 201);
  await waitFor(() => forged.some(genuine), 5000, 'the genuine change');
  assert.ok(!forged.some((m) => m.includes('"rev":999')), 'the forged desired state reached no one');
  const agents = (await (await api('GET', '/agents')).json()) as { agents: { agentId: string }[] };
  assert.ok(!agents.agents.some((a) => a.agentId === 'shop-2'), 'no status was published for another agent');

  const tokens = (await (await api('GET', '/tokens')).json()) as { tokens: { id: string; name: string; role: string; tags?: string[] }[] };
  const scoped = tokens.tokens.find((tok) => tok.name === 'checkout-agents')!;
  assert.deepEqual([scoped.role, scoped.tags], ['agent', ['checkout']]);
  assert.equal(
    (await fetch(`${cp.url}/api/v1/actions`, { headers: { authorization: `Bearer ${agentToken}` } })).status,
    403,
    'an agent token opens no REST route',
  );
  await api('DELETE', `/tokens/${scoped.id}`);
  await assert.rejects(
    mqtt.connectAsync(cp.mqttUrl, { clientId: 'shop-1', reconnectPeriod: 0, username: 'checkout-agents', password: agentToken }),
    /Bad username or password/,
    'a revoked agent token is refused',
  );
});

test('Mosquitto with the repository’s mosquitto/acl holds agents to the same rules', { timeout: 30_000 }, async (t) => {
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

  await refusesBadCredentials(broker.url, 'checkout-agents', ['cp-secret']);
  const controlPlane = await connect(t, broker.url, 'liveprobe-control-plane-1', {
    username: 'liveprobe-control-plane',
    password: 'cp-secret',
  });
  for (const topic of RETAINED) await controlPlane.publishAsync(topic, '{"rev":1,"actions":[]}', { qos: 1, retain: true });
  const seen: string[] = [];
  controlPlane.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
  await controlPlane.subscribeAsync([`${P}/agents/+/status`, `${P}/agents/+/events`], { qos: 1 });

  const agent = await connect(t, broker.url, 'shop-1', { username: 'checkout-agents', password: 'agent-secret' });
  assert.deepEqual(await readable(agent), [`${P}/agents/shop-1/actions`, `${P}/tags/checkout/actions`]);

  const watcher = await connect(t, broker.url, 'liveprobe-control-plane-2', { username: 'liveprobe-control-plane', password: 'cp-secret' });
  const desired: string[] = [];
  watcher.on('message', (topic, payload) => desired.push(`${topic} ${payload.toString()}`));
  for (const topic of [
    `${P}/tags/checkout/actions`,
    `${P}/agents/shop-2/status`,
    `${P}/agents/shop-2/events`,
    `${P}/agents/shop-1/events`,
  ]) {
    await agent
      .publishAsync(topic, topic.endsWith('shop-1/events') ? '{"own":true}' : '{"rev":999,"forged":true}', {
        qos: 1,
        retain: !topic.endsWith('events'),
      })
      .catch(() => undefined);
  }
  await watcher.subscribeAsync(`${P}/tags/+/actions`, { qos: 1 });
  // The agent published its own event last, and Mosquitto forwards one client's messages in order:
  // anything forged that got through would have arrived before it.
  await waitFor(() => seen.includes(`${P}/agents/shop-1/events {"own":true}`), 5000, 'its own event to arrive');
  assert.deepEqual(seen, [`${P}/agents/shop-1/events {"own":true}`], 'only its own event got through');
  // Each tag topic retains one message, the genuine one or a forgery that replaced it.
  const retainedTopics = () => new Set(desired.map((m) => m.split(' ')[0]));
  await waitFor(
    () => retainedTopics().has(`${P}/tags/checkout/actions`) && retainedTopics().has(`${P}/tags/payments/actions`),
    5000,
    'the retained tag states',
  );
  assert.ok(!desired.some((m) => m.includes('forged')), `no forged desired state is retained: ${desired.join('; ')}`);
});
