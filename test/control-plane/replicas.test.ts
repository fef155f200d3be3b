// Two control planes against one PostgreSQL and one Mosquitto behave as one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import type { ActionStatusEvent, DesiredState, OutputEvent } from '@liveprobe/protocol';
import { lineOf, mosquitto, postgres, sseEvents, startControlPlane, waitFor, type SseEvent } from '../helpers/index.js';
import { addAction, app, checkout, getAction, SHOP } from '../agent/fixtures.js';

const WAIT = 15_000;
const isStatus = (actionId: string, state: string) => (e: SseEvent) =>
  e.event === 'action_status' && (e.data as ActionStatusEvent).actionId === actionId && (e.data as ActionStatusEvent).state === state;
const isOutput = (actionId: string) => (e: SseEvent) => e.event === 'output' && (e.data as OutputEvent).actionId === actionId;

test('an action created on one replica is listed, streamed and deletable on the other; hits are counted once', async (t) => {
  const [broker, db] = await Promise.all([mosquitto(), postgres()]);
  t.after(() => Promise.all([broker.stop(), db.stop()]));
  const database = await db.createDatabase();
  const one = await startControlPlane({ broker: broker.url, database });
  t.after(() => one.stop());
  const two = await startControlPlane({ broker: broker.url, database });
  t.after(() => two.stop());

  // Every desired state the broker relays on the tag topic, in order.
  const watcher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  t.after(() => watcher.endAsync());
  const revs: number[] = [];
  const states: DesiredState[] = [];
  watcher.on('message', (_topic, payload) => {
    if (payload.length === 0) return;
    const state = JSON.parse(payload.toString()) as DesiredState;
    revs.push(state.rev);
    states.push(state);
  });
  await watcher.subscribeAsync('liveprobe/v1/tags/replicas/actions', { qos: 1 });

  const [fromOne, fromTwo] = await Promise.all([sseEvents(one.url), sseEvents(two.url)]);
  t.after(() => {
    fromOne.close();
    fromTwo.close();
  });
  const shop = await app(t, { broker: broker.url, tags: ['replicas'], agentId: 'shop-r' });

  const { action } = await addAction(one, {
    type: 'log',
    file: SHOP,
    line: lineOf(SHOP, 'checkout-return'),
    template: 'order {order.id}',
    tags: ['replicas'],
  });
  await Promise.all(
    [fromOne, fromTwo].map((s) => s.waitFor(isStatus(action.id, 'installed'), WAIT, 'installed, streamed by each replica')),
  );
  const listed = (await (await fetch(`${two.url}/api/v1/actions`)).json()) as { actions: { id: string }[] };
  assert.deepEqual(
    listed.actions.map((a) => a.id),
    [action.id],
    'the other replica lists it',
  );

  for (let i = 0; i < 3; i += 1) assert.equal((await checkout(shop.url)).status, 200);
  await Promise.all(
    [fromOne, fromTwo].map((s) =>
      waitFor(() => s.events().filter(isOutput(action.id)).length === 3, WAIT, 'three output events on each replica'),
    ),
  );
  await waitFor(async () => (await getAction(two, action.id)).statuses[0]?.hits === 3, WAIT, 'three hits stored');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal((await getAction(one, action.id)).statuses[0]?.hits, 3, 'each hit is counted once, not once per replica');

  const deleted = await fetch(`${two.url}/api/v1/actions/${action.id}`, { method: 'DELETE' });
  assert.equal(deleted.status, 200);
  await Promise.all([fromOne, fromTwo].map((s) => s.waitFor(isStatus(action.id, 'removed'), WAIT, 'removed, streamed by each replica')));
  assert.equal((await fetch(`${one.url}/api/v1/actions/${action.id}`)).status, 404);

  await waitFor(() => states.at(-1)?.actions.length === 0, WAIT, 'the emptied desired state');
  assert.deepEqual(
    revs,
    [...revs].sort((a, b) => a - b),
    `revisions on the topic never go back: ${revs.join(', ')}`,
  );
  assert.equal(new Set(revs).size, revs.length, `no revision is published twice: ${revs.join(', ')}`);
});
