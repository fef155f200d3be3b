// MQTT authentication and topic ACLs, against the control plane's embedded broker and against a
// real Mosquitto configured with the repository's mosquitto/acl: an agent reads only its tags'
// and its own desired state, and publishes only its own status and events.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { startControlPlane } from '@liveprobe/control-plane';
import { cli, mosquitto, startControlPlane as startUp, tempDir, waitFor } from '../helpers/index.js';
import { fromRoot } from '@liveprobe/harness';
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

/**
 * Which of the retained desired states an agent can read, whatever filters it tries. `marker`
 * then changes a desired state the agent reads: once that arrives, every retained message its
 * subscriptions could bring has arrived before it.
 */
async function readable(client: mqtt.MqttClient, marker: () => Promise<string>): Promise<string[]> {
  const received = new Set<string>();
  const payloads: string[] = [];
  client.on('message', (topic, payload) => {
    received.add(topic);
    payloads.push(payload.toString());
  });
  for (const filter of [...RETAINED, `${P}/tags/+/actions`, `${P}/agents/+/actions`, `${P}/#`, '#']) {
    await client.subscribeAsync(filter, { qos: 1 }).catch(() => undefined); // a refusal may come as SUBACK 0x80
  }
  const id = await marker();
  await waitFor(() => payloads.some((p) => p.includes(id)), 5000, 'the marker desired state');
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
  const agentToken = await cp.issueToken('checkout-agents', 'agent', { tags: ['checkout'], agents: ['shop-1'] });
  const everyTag = await cp.issueToken('all-tags', 'agent', { tags: ['*'], agents: ['shop-9'] });

  await refusesBadCredentials(cp.mqttUrl, 'checkout-agents', ['lpt_unknown', admin]);
  await assert.rejects(
    mqtt.connectAsync(cp.mqttUrl, { clientId: 'a/+', reconnectPeriod: 0, username: 'x', password: agentToken }),
    /Identifier rejected/,
    'a client id that is not an agent id',
  );

  // A new action on the checkout tag, which both agents below read.
  const marker = async () =>
    ((await (await api('POST', '/actions', logAction({ tags: ['checkout'], line: 7 }))).json()) as { action: { id: string } }).action.id;
  const agent = await connect(t, cp.mqttUrl, 'shop-1', { username: 'checkout-agents', password: agentToken });
  assert.deepEqual(await readable(agent, marker), [`${P}/agents/shop-1/actions`, `${P}/tags/checkout/actions`]);
  const wide = await connect(t, cp.mqttUrl, 'shop-9', { username: 'all-tags', password: everyTag });
  assert.deepEqual(
    await readable(wide, marker),
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
  // The forged publishes were refused (their connections closed) before this one connected.
  await waitFor(() => streamed.join('').includes('own event'), 5000, 'its own event to reach the control plane');
  assert.ok(!forged.some((m) => m.includes('"rev":999')), 'the forged desired state reached no one');
  const agents = (await (await api('GET', '/agents')).json()) as { agents: { agentId: string }[] };
  assert.ok(!agents.agents.some((a) => a.agentId === 'shop-2'), 'no status was published for another agent');

  const tokens = (await (await api('GET', '/tokens')).json()) as {
    tokens: { id: string; name: string; role: string; tags?: string[]; agents?: string[] }[];
  };
  const scoped = tokens.tokens.find((tok) => tok.name === 'checkout-agents')!;
  assert.deepEqual([scoped.role, scoped.tags, scoped.agents], ['agent', ['checkout'], ['shop-1']]);
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

/** The repository's mosquitto.conf settings that decide who may do what (its listener, files and persistence are the test's own). */
async function repositoryBrokerRules(): Promise<string[]> {
  const text = await readFile(fromRoot('mosquitto/mosquitto.conf'), 'utf8');
  const rules = text.split('\n').filter((line) => /^(allow_anonymous|use_username_as_clientid|max_packet_size) /.test(line));
  assert.equal(rules.length, 3, `mosquitto.conf sets allow_anonymous, use_username_as_clientid and max_packet_size: ${rules.join('; ')}`);
  return rules;
}

test('Mosquitto with the repository’s mosquitto.conf and acl holds agents to the same rules, and no user can take another’s id', {
  timeout: 60_000,
}, async (t) => {
  const dir = await tempDir('liveprobe-mosquitto-acl-');
  t.after(() => dir.remove());
  const passwords = join(dir.path, 'passwords');
  const acl = join(dir.path, 'acl');
  await writeFile(passwords, '');
  for (const [user, password] of [
    ['liveprobe-control-plane', 'cp-secret'],
    ['liveprobe-control-plane-2', 'cp2-secret'],
    ['checkout-1', 'agent-secret'],
    ['payments-1', 'pay-secret'],
  ] as const)
    await run('mosquitto_passwd', ['-b', passwords, user, password]);
  // The repository's rules, plus a second control plane (a replica) and an agent of another fleet, as its comments say to add them.
  const extra = ['user liveprobe-control-plane-2', `topic readwrite ${P}/#`, 'user payments-1', `topic read ${P}/tags/payments/actions`];
  await writeFile(acl, `${await readFile(fromRoot('mosquitto/acl'), 'utf8')}\n${extra.join('\n')}\n`);
  // Mosquitto started as root reads these as the mosquitto user.
  await chmod(dir.path, 0o755);
  for (const file of [passwords, acl]) await chmod(file, 0o644);
  const broker = await mosquitto({ auth: [...(await repositoryBrokerRules()), `password_file ${passwords}`, `acl_file ${acl}`] });
  t.after(() => broker.stop());
  const retained = [
    `${P}/tags/checkout/actions`,
    `${P}/tags/payments/actions`,
    `${P}/agents/checkout-1/actions`,
    `${P}/agents/payments-1/actions`,
  ];

  await refusesBadCredentials(broker.url, 'checkout-1', ['cp-secret', 'pay-secret']);
  const controlPlane = await connect(t, broker.url, 'ignored', { username: 'liveprobe-control-plane', password: 'cp-secret' });
  for (const topic of retained) await controlPlane.publishAsync(topic, '{"rev":1,"actions":[]}', { qos: 1, retain: true });
  const seen: string[] = [];
  controlPlane.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
  await controlPlane.subscribeAsync([`${P}/agents/+/status`, `${P}/agents/+/events`], { qos: 1 });

  /** What an agent can read, whatever filters it tries: the control plane's marker on the agent's own topic comes after every retained message those filters could bring. */
  const readableBy = async (client: mqtt.MqttClient, own: string): Promise<string[]> => {
    const received = new Set<string>();
    let marked = false;
    client.on('message', (topic, payload) => {
      if (payload.toString() === 'marker') marked = true;
      else received.add(topic);
    });
    for (const filter of [...retained, `${P}/tags/+/actions`, `${P}/agents/+/actions`, `${P}/#`, '#']) {
      await client.subscribeAsync(filter, { qos: 1 }).catch(() => undefined);
    }
    await controlPlane.publishAsync(`${P}/agents/${own}/actions`, 'marker', { qos: 1 });
    await waitFor(() => marked, 5000, `the marker on ${own}'s topic`);
    return [...received].sort();
  };

  // The client id an agent asks for does not matter: its user name is its id.
  const agent = await connect(t, broker.url, 'payments-1', { username: 'checkout-1', password: 'agent-secret' });
  let agentClosed = false;
  agent.on('close', () => {
    agentClosed = true;
  });
  assert.deepEqual(await readableBy(agent, 'checkout-1'), [`${P}/agents/checkout-1/actions`, `${P}/tags/checkout/actions`]);

  // Another fleet's user asking for checkout-1's id gets its own: it reads its own actions, and checkout-1 stays connected.
  const other = await connect(t, broker.url, 'checkout-1', { username: 'payments-1', password: 'pay-secret' });
  assert.deepEqual(await readableBy(other, 'payments-1'), [`${P}/agents/payments-1/actions`, `${P}/tags/payments/actions`]);
  const afterwards: string[] = [];
  agent.on('message', (topic, payload) => afterwards.push(`${topic} ${payload.toString()}`));
  await controlPlane.publishAsync(`${P}/agents/checkout-1/actions`, '{"rev":2,"actions":[]}', { qos: 1, retain: true });
  await waitFor(() => afterwards.some((m) => m.includes('"rev":2')), 5000, 'checkout-1 to get its next desired state');
  assert.equal(agentClosed, false, 'checkout-1 was never knocked off');

  const watcher = await connect(t, broker.url, 'ignored', { username: 'liveprobe-control-plane-2', password: 'cp2-secret' });
  const desired: string[] = [];
  watcher.on('message', (topic, payload) => desired.push(`${topic} ${payload.toString()}`));
  for (const topic of [
    `${P}/tags/checkout/actions`,
    `${P}/agents/payments-1/status`,
    `${P}/agents/payments-1/events`,
    `${P}/agents/checkout-1/events`,
  ]) {
    await agent
      .publishAsync(topic, topic.endsWith('checkout-1/events') ? '{"own":true}' : '{"rev":999,"forged":true}', {
        qos: 1,
        retain: !topic.endsWith('events'),
      })
      .catch(() => undefined);
  }
  await watcher.subscribeAsync(`${P}/tags/+/actions`, { qos: 1 });
  await waitFor(() => seen.includes(`${P}/agents/checkout-1/events {"own":true}`), 5000, 'its own event to arrive');
  assert.deepEqual(seen, [`${P}/agents/checkout-1/events {"own":true}`], 'only its own event got through, in order after the forged ones');
  await controlPlane.publishAsync(`${P}/tags/payments/actions`, 'marker', { qos: 1 });
  await waitFor(() => desired.some((m) => m.endsWith('marker')), 5000, 'the watcher to see a later desired state');
  assert.ok(!desired.some((m) => m.includes('forged')), `no forged desired state is retained: ${desired.join('; ')}`);
  assert.equal(agentClosed, false);
});

test('behind Mosquitto, the control plane counts output only for actions that target the agent that sent it', {
  timeout: 60_000,
}, async (t) => {
  const dir = await tempDir('liveprobe-mosquitto-scope-');
  t.after(() => dir.remove());
  const passwords = join(dir.path, 'passwords');
  const acl = join(dir.path, 'acl');
  await writeFile(passwords, '');
  for (const [user, password] of [
    ['liveprobe-control-plane', 'cp-secret'],
    ['checkout-1', 'agent-secret'],
    ['payments-1', 'pay-secret'],
  ] as const)
    await run('mosquitto_passwd', ['-b', passwords, user, password]);
  await writeFile(acl, `${await readFile(fromRoot('mosquitto/acl'), 'utf8')}\nuser payments-1\ntopic read ${P}/tags/payments/actions\n`);
  await chmod(dir.path, 0o755);
  for (const file of [passwords, acl]) await chmod(file, 0o644);
  const broker = await mosquitto({ auth: [...(await repositoryBrokerRules()), `password_file ${passwords}`, `acl_file ${acl}`] });
  t.after(() => broker.stop());
  const cp = await startUp({ broker: broker.url.replace('mqtt://', 'mqtt://liveprobe-control-plane:cp-secret@'), auth: true });
  t.after(() => cp.stop());
  const create = async (target: { tags?: string[]; agents?: string[] }) => {
    const created = await cli(
      [
        'log',
        'add',
        'src/a.ts:1',
        'x',
        '--json',
        ...Object.entries(target).flatMap(([k, v]) => v.flatMap((x) => [`--${k.slice(0, -1)}`, x])),
      ],
      {
        server: cp.url,
        token: cp.token!,
      },
    );
    assert.equal(created.code, 0, created.stderr);
    return (JSON.parse(created.stdout) as { action: { id: string } }).action.id;
  };
  const checkoutAction = await create({ tags: ['checkout'] });
  const byId = await create({ agents: ['checkout-1'] });
  const own = await create({ tags: ['payments'] });
  const hitsOf = async (id: string) => {
    const shown = await cli(['actions', 'show', id, '--json'], { server: cp.url, token: cp.token! });
    return ((JSON.parse(shown.stdout) as { statuses: Array<{ agentId: string; hits: number }> }).statuses ?? []).map((s) => [
      s.agentId,
      s.hits,
    ]);
  };

  const payments = await connect(t, broker.url, 'x', { username: 'payments-1', password: 'pay-secret' });
  const birth = {
    state: 'online',
    agentId: 'payments-1',
    hostname: 'h',
    pid: 1,
    runtime: 'node',
    runtimeVersion: 'v20',
    agentVersion: '0',
    tags: ['payments'],
    startedAt: new Date().toISOString(),
  };
  await payments.publishAsync(`${P}/agents/payments-1/status`, JSON.stringify(birth), { qos: 1, retain: true });
  const output = (actionId: string) =>
    JSON.stringify({
      kind: 'output',
      agentId: 'payments-1',
      time: new Date().toISOString(),
      actionId,
      level: 'info',
      message: 'm',
      file: 'a',
      line: 1,
    });
  for (const actionId of [checkoutAction, byId, own])
    await payments.publishAsync(`${P}/agents/payments-1/events`, output(actionId), { qos: 1 });
  await waitFor(async () => (await hitsOf(own)).length > 0, 10_000, 'its own output to count');
  assert.deepEqual(await hitsOf(own), [['payments-1', 1]]);
  assert.deepEqual(await hitsOf(checkoutAction), [], 'not counted: the checkout action does not target payments-1');
  assert.deepEqual(await hitsOf(byId), [], 'not counted: aimed at checkout-1');
});
