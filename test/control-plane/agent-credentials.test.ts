// An agent token is worth the agents it was issued for: the embedded broker lets it connect only
// as its agent ids (exact or prefix), take no other agent's id, and announce only its tags; the
// control plane counts output and stores snapshots only for actions that target the sender.
// Through a real `liveprobe up`, the real CLI and real MQTT clients.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import mqtt from 'mqtt';
import { topics, type AgentEvent, type AgentOnline } from '@liveprobe/protocol';
import type { ActionView } from '@liveprobe/protocol';
import { cli, startControlPlane, waitFor, type ControlPlane } from '../helpers/index.js';
import { snapshotEvent } from '../fixtures/snapshot-event.js';

const T = topics();

function birth(agentId: string, tags: string[], hostname = 'host-1'): AgentOnline {
  return {
    state: 'online',
    agentId,
    hostname,
    pid: 7,
    runtime: 'node',
    runtimeVersion: 'v20',
    agentVersion: '0.1.0',
    tags,
    startedAt: new Date().toISOString(),
  };
}

function output(agentId: string, actionId: string, message: string): AgentEvent {
  return { kind: 'output', agentId, time: new Date().toISOString(), actionId, level: 'info', message, file: 'src/a.ts', line: 1 };
}

async function agentToken(cp: ControlPlane, name: string, flags: string[]): Promise<string> {
  const created = await cli(['token', 'create', '--name', name, '--role', 'agent', ...flags], { server: cp.url, token: cp.token! });
  assert.equal(created.code, 0, created.stderr);
  return created.stdout.split('\n')[1]!;
}

function brokerUrl(cp: ControlPlane): string {
  // The helper's URL carries a token for every agent id; these tests bring their own.
  const url = new URL(cp.mqttUrl);
  return `mqtt://${url.host}`;
}

async function connect(t: TestContext, cp: ControlPlane, clientId: string, token: string): Promise<mqtt.MqttClient> {
  const client = await mqtt.connectAsync(brokerUrl(cp), {
    clientId,
    username: 'agent',
    password: token,
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
  t.after(() => client.endAsync(true));
  return client;
}

async function api<T>(cp: ControlPlane, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${cp.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${cp.token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status}`);
  return (await response.json()) as T;
}

async function createAction(
  cp: ControlPlane,
  target: { tags?: string[]; agents?: string[] },
  type: 'log' | 'snapshot' = 'log',
): Promise<string> {
  const body =
    type === 'log' ? { type, file: 'src/a.ts', line: 1, template: 'x', ...target } : { type, file: 'src/a.ts', line: 1, ...target };
  return (await api<{ action: { id: string } }>(cp, 'POST', '/actions', body)).action.id;
}

async function hits(cp: ControlPlane, actionId: string): Promise<Array<[string, number]>> {
  const view = await api<ActionView>(cp, 'GET', `/actions/${actionId}`);
  return view.statuses.map((s) => [s.agentId, s.hits]);
}

test('an agent token must name the agent ids it may connect as, and the CLI says how', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const missing = await cli(['token', 'create', '--name', 'fleet', '--role', 'agent', '--tag', 'checkout'], {
    server: cp.url,
    token: cp.token!,
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error: --agent: an agent token names the agent ids it may connect as .*"checkout-\*"/);
  for (const bad of ['a/b', 'checkout-*-x', '#', '']) {
    const refused = await cli(['token', 'create', '--name', 'fleet', '--role', 'agent', '--agent', bad], {
      server: cp.url,
      token: cp.token!,
    });
    assert.equal(refused.code, 1, `--agent "${bad}"`);
    assert.ok(refused.stderr.startsWith(`error: --agent "${bad}": an agent id `), refused.stderr);
    assert.match(refused.stderr, /a prefix ending in `\*`/);
  }
  const viewer = await cli(['token', 'create', '--name', 'v', '--role', 'viewer', '--agent', 'x'], { server: cp.url, token: cp.token! });
  assert.match(viewer.stderr, /only agent tokens have agent ids/);
  await agentToken(cp, 'checkout-fleet', ['--tag', 'checkout', '--agent', 'checkout-*', '--agent', 'batch-7']);
  const listed = await cli(['token', 'list', '--json'], { server: cp.url, token: cp.token! });
  const fleet = (JSON.parse(listed.stdout) as { tokens: Array<{ name: string; agents?: string[]; tags?: string[] }> }).tokens.find(
    (tok) => tok.name === 'checkout-fleet',
  );
  assert.deepEqual([fleet?.tags, fleet?.agents], [['checkout'], ['checkout-*', 'batch-7']]);
});

test('an agent token connects only as its ids: another agent’s id is refused and that agent stays online and keeps its actions', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const checkout = await agentToken(cp, 'checkout-fleet', ['--tag', 'checkout', '--agent', 'checkout-*']);
  const payments = await agentToken(cp, 'payments-1', ['--tag', 'payments', '--agent', 'pay-1']);
  const victim = await connect(t, cp, 'checkout-7', checkout);
  let victimClosed = false;
  victim.on('close', () => {
    victimClosed = true;
  });
  const received: string[] = [];
  victim.on('message', (topic, payload) => received.push(`${topic} ${payload.toString()}`));
  await victim.subscribeAsync(T.agentActions('checkout-7'), { qos: 1 });

  // The other fleet's token, as the victim's id, as an id near its own, and as the bare prefix.
  for (const clientId of ['checkout-7', 'pay-10', 'pay-', 'checkout-8']) {
    await assert.rejects(connect(t, cp, clientId, payments), /Not authorized/, `the payments token may not connect as ${clientId}`);
  }
  assert.match(cp.output(), /MQTT: refused checkout-7: the agent token "payments-1" \(tok_\w+\) may connect as pay-1 only/);
  // Exact and prefix bindings both let their own agents in.
  await connect(t, cp, 'pay-1', payments);
  await connect(t, cp, 'checkout-8', checkout);

  // After the refusals, an action aimed at the victim by id still reaches it: it was never knocked off.
  const actionId = await createAction(cp, { agents: ['checkout-7'] });
  await waitFor(() => received.some((m) => m.includes(actionId)), 10_000, 'the victim to receive its new action');
  assert.equal(victimClosed, false, 'the victim kept its connection');
});

test('a birth claiming tags its token does not grant is refused, and so are births for another agent', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const token = await agentToken(cp, 'pay-fleet', ['--tag', 'payments', '--tag', 'refunds', '--agent', 'pay-*']);

  for (const tags of [['checkout'], ['payments', 'checkout'], ['*']]) {
    const agent = await connect(t, cp, 'pay-2', token);
    const closed = new Promise<void>((resolve) => agent.once('close', () => resolve()));
    await agent.publishAsync(T.agentStatus('pay-2'), JSON.stringify(birth('pay-2', tags, 'checkout-host')), { qos: 0, retain: true });
    await closed;
    await waitFor(
      () => cp.output().includes(`it claims the tags ${tags.filter((tag) => tag !== 'payments').join(', ')}`),
      5000,
      'the refusal line',
    );
  }
  const impostor = await connect(t, cp, 'pay-3', token);
  const gone = new Promise<void>((resolve) => impostor.once('close', () => resolve()));
  await impostor.publishAsync(T.agentStatus('pay-3'), JSON.stringify(birth('pay-4', ['payments'])), { qos: 0 });
  await gone;

  // Its own tags (or a subset) are fine: the positive event the refusals above come before.
  const honest = await connect(t, cp, 'pay-2', token);
  await honest.publishAsync(T.agentStatus('pay-2'), JSON.stringify(birth('pay-2', ['refunds'], 'pay-host')), { qos: 1, retain: true });
  const agents = await waitFor(
    async () => {
      const listed = await api<{ agents: Array<{ agentId: string; tags: string[]; hostname: string }> }>(cp, 'GET', '/agents');
      return listed.agents.some((a) => a.agentId === 'pay-2') ? listed.agents : undefined;
    },
    5000,
    'the honest birth',
  );
  assert.deepEqual(
    agents.map((a) => [a.agentId, a.tags, a.hostname]),
    [['pay-2', ['refunds'], 'pay-host']],
    'no refused birth was recorded (no checkout tag, no checkout-host, no pay-4)',
  );
});

test('output and snapshots count only for actions that target the agent that sent them', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  const checkoutToken = await agentToken(cp, 'checkout-fleet', ['--tag', 'checkout', '--agent', 'checkout-*']);
  const payToken = await agentToken(cp, 'pay-fleet', ['--tag', 'payments', '--agent', 'pay-*']);
  const byTag = await createAction(cp, { tags: ['checkout'] });
  const byId = await createAction(cp, { agents: ['checkout-1'] });
  const snapshotAction = await createAction(cp, { tags: ['checkout'] }, 'snapshot');
  const own = await createAction(cp, { tags: ['payments'] });

  const victim = await connect(t, cp, 'checkout-1', checkoutToken);
  await victim.publishAsync(T.agentStatus('checkout-1'), JSON.stringify(birth('checkout-1', ['checkout'])), { qos: 1, retain: true });
  const attacker = await connect(t, cp, 'pay-1', payToken);
  await attacker.publishAsync(T.agentStatus('pay-1'), JSON.stringify(birth('pay-1', ['payments'])), { qos: 1, retain: true });

  // Forged reports for actions aimed at the checkout agents (by tag, by id), and for no action at all.
  for (const actionId of [byTag, byId, 'act_nosuchthing']) {
    await attacker.publishAsync(T.agentEvents('pay-1'), JSON.stringify(output('pay-1', actionId, 'forged')), { qos: 1 });
  }
  for (const [id, actionId] of [
    ['snp_forged_1', snapshotAction],
    ['snp_forged_2', 'act_nosuchthing'],
  ] as const) {
    await attacker.publishAsync(T.agentEvents('pay-1'), JSON.stringify(snapshotEvent({ id, actionId, agentId: 'pay-1' })), { qos: 1 });
  }
  // Then one it may send, on the same connection: once it counts, the forged ones before it were judged.
  await attacker.publishAsync(T.agentEvents('pay-1'), JSON.stringify(output('pay-1', own, 'mine')), { qos: 1 });
  await waitFor(async () => (await hits(cp, own)).length > 0, 10_000, 'the attacker’s own output to count');
  assert.deepEqual(await hits(cp, own), [['pay-1', 1]]);
  assert.deepEqual(await hits(cp, byTag), [], 'no hit counted for the checkout action by tag');
  assert.deepEqual(await hits(cp, byId), [], 'no hit counted for the action aimed at checkout-1');
  const snapshots = await api<{ snapshots: Array<{ id: string }> }>(cp, 'GET', '/snapshots');
  assert.deepEqual(snapshots.snapshots, [], 'no forged snapshot stored');
  assert.match(
    cp.output(),
    /ignored output from agent pay-1: action act_\w+ does not target it \(agents: none; tags: checkout; its tags: payments\)/,
  );
  assert.match(cp.output(), /ignored snapshot from agent pay-1: there is no action act_nosuchthing/);

  // The targeted agent's own reports count, by tag and by id.
  for (const actionId of [byTag, byId]) {
    await victim.publishAsync(T.agentEvents('checkout-1'), JSON.stringify(output('checkout-1', actionId, 'real')), { qos: 1 });
  }
  await victim.publishAsync(
    T.agentEvents('checkout-1'),
    JSON.stringify(snapshotEvent({ id: 'snp_real', actionId: snapshotAction, agentId: 'checkout-1' })),
    { qos: 1 },
  );
  await waitFor(async () => (await hits(cp, snapshotAction)).length > 0, 10_000, 'the real snapshot to count');
  assert.deepEqual(await hits(cp, byTag), [['checkout-1', 1]]);
  assert.deepEqual(await hits(cp, byId), [['checkout-1', 1]]);
  const stored = await api<{ snapshots: Array<{ id: string; agentId: string }> }>(cp, 'GET', '/snapshots');
  assert.deepEqual(
    stored.snapshots.map((s) => [s.id, s.agentId]),
    [['snp_real', 'checkout-1']],
  );
});

test('an agent without a good token is refused with how to give it one, and one refused at every reconnect is not announced offline each time', async (t) => {
  const cp = await startControlPlane({ auth: true });
  t.after(() => cp.stop());
  await assert.rejects(
    mqtt.connectAsync(brokerUrl(cp), { clientId: 'shop-1', reconnectPeriod: 0, protocolVersion: 4 }),
    /Bad username or password/,
  );
  await assert.rejects(connect(t, cp, 'shop-2', 'lpt_not-a-token'), /Bad username or password/);
  const howTo = 'start agents with LIVEPROBE_BROKER_URL=mqtt://<name>:<agent token>@<broker host>:<port>';
  await waitFor(() => cp.output().includes(`MQTT: refused shop-1: it sent no agent token; ${howTo}`), 5000, 'the no-token line');
  await waitFor(
    () =>
      cp
        .output()
        .includes(
          `MQTT: refused shop-2: its password is not an active agent token (unknown, revoked or expired; an API token is not one); ${howTo}`,
        ),
    5000,
    'the wrong-token line',
  );

  // An agent claiming a tag its token does not grant: each connection is closed and fires its Last Will.
  const token = await agentToken(cp, 'pay-fleet', ['--tag', 'payments', '--agent', 'pay-*']);
  const will = {
    topic: T.agentStatus('pay-5'),
    payload: Buffer.from(JSON.stringify({ state: 'offline', agentId: 'pay-5' })),
    qos: 1 as const,
    retain: true,
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    const agent = await mqtt.connectAsync(brokerUrl(cp), {
      clientId: 'pay-5',
      username: 'agent',
      password: token,
      reconnectPeriod: 0,
      protocolVersion: 4,
      will,
    });
    const closed = new Promise<void>((resolve) => agent.once('close', () => resolve()));
    await agent.publishAsync(T.agentStatus('pay-5'), JSON.stringify(birth('pay-5', ['checkout'])), { qos: 0, retain: true });
    await closed;
  }
  // Then an honest one that goes away without a goodbye: its offline is said, once.
  const honest = await mqtt.connectAsync(brokerUrl(cp), {
    clientId: 'pay-6',
    username: 'agent',
    password: token,
    reconnectPeriod: 0,
    protocolVersion: 4,
    will: { ...will, topic: T.agentStatus('pay-6'), payload: Buffer.from(JSON.stringify({ state: 'offline', agentId: 'pay-6' })) },
  });
  await honest.publishAsync(T.agentStatus('pay-6'), JSON.stringify(birth('pay-6', ['payments'])), { qos: 1, retain: true });
  await waitFor(() => cp.output().includes('agent pay-6 online'), 5000, 'the honest agent online');
  honest.stream.destroy();
  await waitFor(() => cp.output().includes('agent pay-6 offline'), 10_000, 'the honest agent offline');
  assert.equal(cp.output().match(/it claims the tags checkout/g)?.length, 1, 'the refusal is said once');
  assert.doesNotMatch(cp.output(), /agent pay-5 offline/, 'an agent never online is not announced offline');
});
