// The embedded broker's retained messages, through real MQTT clients: an exact subscription gets
// its one retained message, a wildcard gets every match, and a cleared topic is gone, as before
// the topic index replaced aedes' scan of every retained message on each SUBSCRIBE.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../../control-plane/src/mqtt/embedded-broker.js';

const AGENTS = 300;
const status = (i: number) => `liveprobe/v1/agents/a${i}/status`;

async function client(t: TestContext, url: string, clientId: string): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, protocolVersion: 4 });
  t.after(() => c.endAsync(true));
  return c;
}

/** Subscribes to `filter` and a sentinel in one SUBSCRIBE: the broker sends their retained messages in that order. */
async function retainedFor(c: mqtt.MqttClient, filter: string): Promise<Map<string, string>> {
  const received = new Map<string, string>();
  const sentinel = new Promise<void>((resolve) =>
    c.on('message', (topic, payload) => {
      if (topic === 'sentinel') resolve();
      else received.set(topic, payload.toString());
    }),
  );
  await c.subscribeAsync([filter, 'sentinel'], { qos: 1 });
  await sentinel;
  return received;
}

test('retained messages reach exact and wildcard subscriptions, and a cleared one is gone', { timeout: 30_000 }, async (t) => {
  const broker = await startEmbeddedBroker('127.0.0.1', 0);
  t.after(() => broker.close());
  const publisher = await client(t, broker.url, 'publisher');
  for (let i = 0; i < AGENTS; i++) await publisher.publishAsync(status(i), `online ${i}`, { qos: 1, retain: true });
  await publisher.publishAsync(status(7), '', { qos: 1, retain: true });
  await publisher.publishAsync(status(8), 'replaced', { qos: 1, retain: true });
  await publisher.publishAsync('sentinel', 'last', { qos: 1, retain: true });

  const exact = await retainedFor(await client(t, broker.url, 'exact'), status(42));
  assert.deepEqual([...exact], [[status(42), 'online 42']]);

  const replaced = await retainedFor(await client(t, broker.url, 'replaced'), status(8));
  assert.deepEqual([...replaced], [[status(8), 'replaced']]);

  const cleared = await retainedFor(await client(t, broker.url, 'cleared'), status(7));
  assert.deepEqual([...cleared], []);

  const all = await retainedFor(await client(t, broker.url, 'wildcard'), 'liveprobe/v1/agents/+/status');
  assert.equal(all.size, AGENTS - 1);
  assert.equal(all.get(status(0)), 'online 0');
  assert.equal(all.has(status(7)), false);

  const deep = await retainedFor(await client(t, broker.url, 'deep'), 'liveprobe/v1/#');
  assert.equal(deep.size, AGENTS - 1);
});
