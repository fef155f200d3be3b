// What snapshot tests read: every snapshot the agents publish, straight off the broker, and a
// named value among those a snapshot captured.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import mqtt from 'mqtt';
import type { CapturedValue, NamedValue, SnapshotEvent } from '@liveprobe/protocol';
import { ObservedList } from '@liveprobe/harness';

export async function snapshotsOnBroker(t: TestContext, mqttUrl: string): Promise<ObservedList<SnapshotEvent>> {
  const client = await mqtt.connectAsync(mqttUrl);
  t.after(() => client.endAsync());
  const list = new ObservedList<SnapshotEvent>();
  client.on('message', (_topic, payload) => {
    const event = JSON.parse(payload.toString()) as { kind: string };
    if (event.kind === 'snapshot') list.push(event as SnapshotEvent);
  });
  await client.subscribeAsync('liveprobe/v1/agents/+/events', { qos: 1 });
  return list;
}

export const find = (values: NamedValue[], name: string): CapturedValue => {
  const found = values.find((v) => v.name === name);
  assert.ok(found, `no ${name} among ${values.map((v) => v.name).join(', ')}`);
  return found.value;
};
