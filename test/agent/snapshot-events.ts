// What snapshot tests read: every snapshot the agents publish, straight off the broker, and a
// named value among those a snapshot captured.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import mqtt from 'mqtt';
import type { CapturedValue, NamedValue, SnapshotEvent } from '@liveprobe/protocol';
import { ObservedList } from '@liveprobe/harness';
import { lineOf } from '../helpers/index.js';

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

const REFUNDS_TS = 'test/fixtures/failing-ts/server.ts';

/**
 * An exception snapshot of test/fixtures/failing-ts's refund of 9000 cents over its 5000 limit,
 * taken at its throw site and mapped to the TypeScript source: the place, the top frame, the
 * argument and the local.
 */
export function assertRefundThrowSite(s: SnapshotEvent['snapshot']): void {
  assert.match(s.location.file, /failing-ts\/server\.ts$/);
  assert.equal(s.location.line, lineOf(REFUNDS_TS, 'throw-refund'));
  assert.match(s.stack[0]?.file ?? '', /failing-ts\/server\.ts$/, 'the top frame is mapped to the TypeScript source');
  assert.equal(s.stack[0]?.line, lineOf(REFUNDS_TS, 'throw-refund'));
  assert.deepEqual(find(s.arguments, 'cents'), { t: 'number', v: 9000 });
  assert.deepEqual(find(s.locals, 'limit'), { t: 'number', v: 5000 });
}
