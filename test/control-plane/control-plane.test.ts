import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import mqtt from 'mqtt';
import { startControlPlane, type ControlPlane } from '@liveprobe/control-plane';
import type { ActionView, AgentView, CreatedAction, DesiredState } from '@liveprobe/protocol';
import { mosquitto, tempDir, waitFor } from '../helpers/index.js';
import { birth, logAction, watchMqtt } from './fixtures.js';

type Options = Parameters<typeof startControlPlane>[0];

async function dataDir(t: TestContext): Promise<string> {
  const dir = await tempDir('liveprobe-cp-');
  t.after(() => dir.remove());
  return dir.path;
}

async function start(t: TestContext, options: Options): Promise<ControlPlane> {
  const controlPlane = await startControlPlane({ port: 0, mqttPort: 0, ...options });
  t.after(() => controlPlane.close());
  return controlPlane;
}

async function create(controlPlane: ControlPlane, body: unknown): Promise<CreatedAction> {
  const response = await fetch(`${controlPlane.url}/api/v1/actions`, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(response.status, 201);
  return (await response.json()) as CreatedAction;
}

const isState = (topic: string, predicate: (state: DesiredState) => boolean) => (message: { topic: string; payload: unknown }) =>
  message.topic === topic && predicate(message.payload as DesiredState);

test('an agent that connects after the action was created gets it as a retained message on its tag topic', async (t) => {
  const controlPlane = await start(t, { dataDir: await dataDir(t) });
  assert.equal(controlPlane.embeddedBroker, true);
  const { action } = await create(controlPlane, logAction({ tags: ['checkout'], agents: ['api-7'] }));

  const agent = await watchMqtt(t, controlPlane.mqttUrl, 'liveprobe/v1/+/+/actions');
  const tag = await agent.waitFor(
    isState('liveprobe/v1/tags/checkout/actions', (s) => s.actions.length === 1),
    'the tag topic',
  );
  assert.equal(tag.retain, true);
  const state = tag.payload as DesiredState;
  assert.equal(state.actions[0]?.id, action.id);
  assert.deepEqual(
    state.actions.map((a) => [a.type, a.type === 'log' ? a.template : undefined]),
    [['log', 'order {order.id}']],
  );
  const direct = await agent.waitFor(
    isState('liveprobe/v1/agents/api-7/actions', (s) => s.actions.length === 1),
    'the agent topic',
  );
  assert.equal(direct.retain, true);
});

test('deleting an action republishes its tag with an empty set and a higher revision', async (t) => {
  const controlPlane = await start(t, { dataDir: await dataDir(t) });
  const { action } = await create(controlPlane, logAction({ tags: ['checkout'] }));
  const topic = 'liveprobe/v1/tags/checkout/actions';
  const agent = await watchMqtt(t, controlPlane.mqttUrl, topic);
  const before = await agent.waitFor(
    isState(topic, (s) => s.actions.length === 1),
    'the action',
  );

  const response = await fetch(`${controlPlane.url}/api/v1/actions/${action.id}`, { method: 'DELETE' });
  assert.equal(response.status, 200);
  const after = await agent.waitFor(
    isState(topic, (s) => s.actions.length === 0),
    'the empty set',
  );
  assert.ok((after.payload as DesiredState).rev > (before.payload as DesiredState).rev);

  // A newcomer sees the empty set too, not the deleted action.
  const newcomer = await watchMqtt(t, controlPlane.mqttUrl, topic);
  const retained = await newcomer.waitFor((m) => m.topic === topic, 'the retained set');
  assert.equal(retained.retain, true);
  assert.deepEqual((retained.payload as DesiredState).actions, []);
});

test('an action that reaches its expiry while the control plane runs leaves the desired set and is listed as expired', async (t) => {
  const controlPlane = await start(t, { dataDir: await dataDir(t) });
  const { action } = await create(controlPlane, logAction({ tags: ['checkout'], expiresIn: '1s' }));
  const topic = 'liveprobe/v1/tags/checkout/actions';
  const agent = await watchMqtt(t, controlPlane.mqttUrl, topic);
  await agent.waitFor(
    isState(topic, (s) => s.actions.length === 0),
    'the set to empty on expiry',
  );
  const view = (await (await fetch(`${controlPlane.url}/api/v1/actions/${action.id}`)).json()) as ActionView;
  assert.equal(view.state, 'expired');
});

test('actions survive a restart on the same data dir and are published again to the new broker', async (t) => {
  const dir = await dataDir(t);
  const first = await startControlPlane({ port: 0, mqttPort: 0, dataDir: dir });
  let created: CreatedAction;
  try {
    created = await create(first, logAction({ tags: ['checkout'] }));
  } finally {
    await first.close();
  }

  const second = await start(t, { dataDir: dir });
  const list = (await (await fetch(`${second.url}/api/v1/actions`)).json()) as { actions: ActionView[] };
  assert.deepEqual(
    list.actions.map((a) => a.id),
    [created.action.id],
  );
  const agent = await watchMqtt(t, second.mqttUrl, 'liveprobe/v1/tags/checkout/actions');
  const message = await agent.waitFor((m) => (m.payload as DesiredState).actions.length === 1, 'the republished action');
  assert.equal(message.retain, true);
});

test('an agent that announces itself is listed online, and offline once it drops and the broker sends its Last Will', async (t) => {
  const controlPlane = await start(t, { dataDir: await dataDir(t) });
  const topic = 'liveprobe/v1/agents/api-1/status';
  const agent = await mqtt.connectAsync(controlPlane.mqttUrl, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    will: { topic, payload: Buffer.from(JSON.stringify({ state: 'offline', agentId: 'api-1' })), qos: 1, retain: true },
  });
  t.after(() => agent.endAsync(true));
  await agent.publishAsync(topic, JSON.stringify(birth('api-1', ['checkout'])), { qos: 1, retain: true });
  const agents = async () => ((await (await fetch(`${controlPlane.url}/api/v1/agents`)).json()) as { agents: AgentView[] }).agents;
  await waitFor(async () => (await agents()).find((a) => a.agentId === 'api-1' && a.online), 5000, 'api-1 online');

  // A crash, not a clean disconnect: only then does the broker publish the will.
  agent.stream.destroy();
  await waitFor(async () => (await agents()).find((a) => a.agentId === 'api-1' && !a.online), 5000, 'api-1 offline');
});

test('with an external Mosquitto broker nothing is embedded, and desired state and agent reports flow through it', async (t) => {
  const broker = await mosquitto();
  t.after(() => broker.stop());
  const controlPlane = await start(t, { dataDir: await dataDir(t), brokerUrl: broker.url, topicPrefix: 'acme/liveprobe' });
  assert.equal(controlPlane.embeddedBroker, false);
  assert.equal(controlPlane.mqttUrl, broker.url);

  await create(controlPlane, logAction({ tags: ['checkout'] }));
  const agent = await watchMqtt(t, broker.url, 'acme/liveprobe/tags/checkout/actions');
  const message = await agent.waitFor((m) => (m.payload as DesiredState).actions.length === 1, 'the action under the custom prefix');
  assert.equal(message.retain, true);

  await agent.client.publishAsync('acme/liveprobe/agents/api-1/status', JSON.stringify(birth('api-1', ['checkout'])), {
    qos: 1,
    retain: true,
  });
  const agents = async () => ((await (await fetch(`${controlPlane.url}/api/v1/agents`)).json()) as { agents: AgentView[] }).agents;
  await waitFor(async () => (await agents()).find((a) => a.agentId === 'api-1' && a.online), 5000, 'api-1 online');
});

test('close releases both ports, so the same ports can be bound again at once', async (t) => {
  const controlPlane = await startControlPlane({ port: 0, mqttPort: 0, dataDir: await dataDir(t) });
  const ports = [Number(new URL(controlPlane.url).port), Number(new URL(controlPlane.mqttUrl).port)];
  await controlPlane.close();
  for (const port of ports) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a busy port is reported with its code instead of a bare EADDRINUSE', async (t) => {
  const running = await start(t, { dataDir: await dataDir(t) });
  await assert.rejects(
    startControlPlane({ port: Number(new URL(running.url).port), mqttPort: 0, dataDir: await dataDir(t) }),
    (err: Error & { code?: string }) => err.code === 'port_in_use' && /already in use/.test(err.message),
  );
});
