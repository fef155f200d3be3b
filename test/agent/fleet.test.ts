import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import type { ActionStatusEvent } from '@liveprobe/protocol';
import { lineOf, sseEvents, startApp, waitFor, type SseEvent } from '../helpers/index.js';
import { addAction, app, checkout, controlPlane, getAction, mosquittoStack, SHOP } from './fixtures.js';

const WAIT = 20_000;
const LINE = lineOf(SHOP, 'checkout-return');

const status = (actionId: string, state: string, agentId?: string) => (e: SseEvent) => {
  const data = e.data as ActionStatusEvent;
  return (
    e.event === 'action_status' && data.actionId === actionId && data.state === state && (agentId === undefined || data.agentId === agentId)
  );
};
const agentsOf = async (url: string) =>
  ((await (await fetch(`${url}/api/v1/agents`)).json()) as { agents: { agentId: string; online: boolean; lastSeen: string }[] }).agents;

test('actions reach the agents of their tags and the agents they name, and no others', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  await Promise.all([
    app(t, { broker: cp.mqttUrl, agentId: 'blue-1', tags: ['blue'] }),
    app(t, { broker: cp.mqttUrl, agentId: 'green-1', tags: ['green'] }),
    app(t, { broker: cp.mqttUrl, agentId: 'both-1', tags: ['blue', 'green'] }),
  ]);
  const blue = await addAction(cp, { type: 'log', file: SHOP, line: LINE, template: 'blue', tags: ['blue'] });
  const named = await addAction(cp, { type: 'log', file: SHOP, line: LINE, template: 'named', agents: ['green-1'] });
  await waitFor(
    async () => (await getAction(cp, blue.action.id)).statuses.filter((s) => s.state === 'installed').length === 2,
    WAIT,
    'blue on two agents',
  );
  await events.waitFor(status(named.action.id, 'installed', 'green-1'), WAIT, 'the named agent');
  const view = await getAction(cp, blue.action.id);
  assert.deepEqual(view.statuses.map((s) => s.agentId).sort(), ['blue-1', 'both-1']);
  assert.match(view.summary, /installed on 2\/2 agents/);
  assert.deepEqual(
    (await getAction(cp, named.action.id)).statuses.map((s) => s.agentId),
    ['green-1'],
  );
});

test('restarting the control plane (and its embedded broker) loses nothing: agents reconnect, reconcile and keep printing', async (t) => {
  const cp = await controlPlane(t);
  const shop = await app(t, { broker: cp.mqttUrl, agentId: 'survivor' });
  const before = await addAction(cp, { type: 'log', file: SHOP, line: LINE, template: 'before {order.id}', tags: ['e2e'] });
  await waitFor(async () => (await getAction(cp, before.action.id)).statuses.some((s) => s.state === 'installed'), WAIT, 'installed');

  await cp.restart();
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  await waitFor(async () => (await agentsOf(cp.url)).some((a) => a.agentId === 'survivor' && a.online), WAIT, 'the agent back online');
  assert.equal((await getAction(cp, before.action.id)).id, before.action.id, 'the action survived the restart');
  const after = await addAction(cp, { type: 'log', file: SHOP, line: LINE, template: 'after {order.id}', tags: ['e2e'] });
  await events.waitFor(status(after.action.id, 'installed', 'survivor'), WAIT, 'a new action installs after the restart');
  const order = (await (await checkout(shop.url)).json()) as { id: number };
  for (const prefix of ['before', 'after']) {
    await events.waitFor(
      (e) => e.event === 'output' && (e.data as { message: string }).message === `${prefix} ${order.id}`,
      WAIT,
      `${prefix} line`,
    );
  }
});

test('after a Mosquitto restart agents and the control plane reconnect, re-subscribe and reconcile', async (t) => {
  const { broker, cp } = await mosquittoStack(t);
  const shop = await app(t, { broker: broker.url, agentId: 'mosq-survivor' });
  const first = await addAction(cp, { type: 'log', file: SHOP, line: LINE, template: 'first {order.id}', tags: ['e2e'] });
  await waitFor(async () => (await getAction(cp, first.action.id)).statuses.some((s) => s.state === 'installed'), WAIT, 'installed');

  await broker.kill();
  await broker.start();
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  // Mosquitto ran without persistence: the control plane republishes the desired state on reconnect.
  const second = await addAction(cp, { type: 'log', file: SHOP, line: LINE, template: 'second {order.id}', tags: ['e2e'] });
  await events.waitFor(status(second.action.id, 'installed', 'mosq-survivor'), WAIT, 'installed after the broker restart');
  const order = (await (await checkout(shop.url)).json()) as { id: number };
  for (const prefix of ['first', 'second']) {
    await events.waitFor(
      (e) => e.event === 'output' && (e.data as { message: string }).message === `${prefix} ${order.id}`,
      WAIT,
      `${prefix} line`,
    );
  }
});

test('an agent that stops shows offline with its last-seen time, and gets its actions back when it restarts', async (t) => {
  const cp = await controlPlane(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  const first = await startApp({ script: SHOP, broker: cp.mqttUrl, tags: ['e2e'], agentId: 'phoenix', module: 'esm' });
  const { action } = await addAction(cp, { type: 'log', file: SHOP, line: LINE, template: 'phoenix {order.id}', tags: ['e2e'] });
  await events.waitFor(status(action.id, 'installed', 'phoenix'), WAIT, 'installed');
  await first.stop();
  await waitFor(async () => (await agentsOf(cp.url)).some((a) => a.agentId === 'phoenix' && !a.online), WAIT, 'offline');
  const offline = (await agentsOf(cp.url)).find((a) => a.agentId === 'phoenix')!;
  assert.ok(Date.parse(offline.lastSeen) <= Date.now());

  const again = await app(t, { broker: cp.mqttUrl, agentId: 'phoenix' });
  await waitFor(async () => (await agentsOf(cp.url)).some((a) => a.agentId === 'phoenix' && a.online), WAIT, 'online again');
  await waitFor(() => events.events().filter(status(action.id, 'installed', 'phoenix')).length === 2, WAIT, 'installed again');
  const order = (await (await checkout(again.url)).json()) as { id: number };
  await events.waitFor(
    (e) => e.event === 'output' && (e.data as { message: string }).message === `phoenix ${order.id}`,
    WAIT,
    'output from the restarted agent',
  );
});

test('after its tag topic is cleared (an empty retained message), an agent still applies the next desired state', async (t) => {
  const { broker, cp } = await mosquittoStack(t);
  const events = await sseEvents(cp.url);
  t.after(() => events.close());
  await app(t, { broker: broker.url, agentId: 'cleared-1', tags: ['cleared'] });
  const first = await addAction(cp, { type: 'log', file: SHOP, line: LINE, template: 'first', tags: ['cleared'] });
  await events.waitFor(status(first.action.id, 'installed', 'cleared-1'), WAIT, 'installed');

  const operator = await mqtt.connectAsync(broker.url);
  await operator.publishAsync('liveprobe/v1/tags/cleared/actions', '', { qos: 1, retain: true });
  await operator.endAsync();
  await events.waitFor(status(first.action.id, 'removed', 'cleared-1'), WAIT, 'the clear empties the set');

  const second = await addAction(cp, { type: 'log', file: SHOP, line: LINE, template: 'second', tags: ['cleared'] });
  await events.waitFor(status(second.action.id, 'installed', 'cleared-1'), WAIT, 'the next revision applies');
});
