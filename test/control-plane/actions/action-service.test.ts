/**
 * The action service's states without a broker or a server: an action is active, then expired
 * (by the clock, then by the sweeper) or deleted, and each change's publish is acknowledged,
 * failed or unacknowledged. A real SQLite file; the broker is a publisher the test acknowledges.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { ActionInput, type DesiredState, topics } from '@liveprobe/protocol';
import { ActionService } from '../../../control-plane/src/actions/action-service.js';
import { DesiredStatePublisher } from '../../../control-plane/src/desired-state/desired-state.js';
import { ActionNotFoundError } from '../../../control-plane/src/errors.js';
import { openSqliteStore } from '../../../control-plane/src/database.js';
import { tempDir } from '../../helpers/index.js';
import { t0 } from '../fixtures.js';

interface Sent {
  topic: string;
  state: DesiredState;
  ack(): void;
  fail(err: Error): void;
}

/** The broker's side: every publish, acknowledged at once unless the test holds acks back. */
class Broker {
  readonly sent: Sent[] = [];
  holdAcks = false;
  publishRetained(topic: string, payload: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sent.push({ topic, state: JSON.parse(payload) as DesiredState, ack: resolve, fail: reject });
      if (!this.holdAcks) resolve();
    });
  }
}

async function service(t: TestContext, ackTimeoutMs = 5000) {
  const dir = await tempDir('liveprobe-actions-');
  const store = await openSqliteStore(join(dir.path, 'liveprobe.db'));
  t.after(async () => {
    await store.close();
    await dir.remove();
  });
  const broker = new Broker();
  const logs: string[] = [];
  let time = t0;
  const actions = new ActionService({
    store,
    desiredState: new DesiredStatePublisher(store, broker, topics()),
    now: () => new Date(time),
    log: (line) => logs.push(line),
    ackTimeoutMs,
  });
  return { actions, broker, logs, advance: (ms: number) => void (time += ms) };
}

const input = (fields: Record<string, unknown> = {}) =>
  ActionInput.parse({ type: 'log', file: 'src/orders.ts', line: 42, template: 'x', tags: ['checkout'], expiresIn: '1m', ...fields });

test('an action is active until its time is up, expired by the clock before the sweeper runs, and leaves the desired set when it does', async (t) => {
  const { actions, broker, logs, advance } = await service(t);
  const { action } = await actions.create(input());
  assert.equal(action.state, 'active');
  assert.deepEqual(
    broker.sent.map((s) => [s.topic, s.state.rev, s.state.actions.map((a) => a.id)]),
    [['liveprobe/v1/tags/checkout/actions', 1, [action.id]]],
  );

  advance(60_000);
  assert.equal((await actions.get(action.id)).state, 'expired', 'the clock is the judge between sweeps');
  assert.equal(broker.sent.length, 1, 'nothing published before the sweeper runs');
  await actions.expireDue();
  assert.deepEqual(broker.sent[1]?.state, { rev: 2, actions: [] });
  assert.ok(logs.includes(`expired ${action.id}`));
  assert.deepEqual(
    (await actions.list()).map((a) => [a.id, a.state]),
    [[action.id, 'expired']],
    'still listed',
  );

  await actions.expireDue();
  assert.equal(broker.sent.length, 2, 'a sweep with nothing due publishes nothing');
});

test('a deleted action is gone: unlisted, its topic published empty, a second delete is not found', async (t) => {
  const { actions, broker } = await service(t);
  const { action } = await actions.create(input({ agents: ['api-1'] }));
  await actions.delete(action.id);
  assert.deepEqual(
    broker.sent.slice(2).map((s) => [s.topic, s.state]),
    [
      ['liveprobe/v1/tags/checkout/actions', { rev: 2, actions: [] }],
      ['liveprobe/v1/agents/api-1/actions', { rev: 2, actions: [] }],
    ],
  );
  assert.deepEqual(await actions.list(), []);
  await assert.rejects(actions.delete(action.id), ActionNotFoundError);
  await assert.rejects(actions.get(action.id), ActionNotFoundError);
});

test('a publish the broker does not acknowledge in time still creates the action, with a warning; a failed one is logged', async (t) => {
  const { actions, broker, logs } = await service(t, 20);
  broker.holdAcks = true;
  const slow = await actions.create(input());
  assert.deepEqual(slow.warnings.slice(-1), [
    'the MQTT broker has not acknowledged the new desired state within 20 ms; agents will get the action once it does',
  ]);
  assert.equal(slow.action.state, 'active');

  const created = actions.create(input());
  // The store changed before the publish: the request must not fail with the broker.
  await waitForSent(broker, 2);
  broker.sent[1]!.fail(new Error('connection lost'));
  const failed = await created;
  assert.ok(!failed.warnings.some((w) => w.includes('acknowledged')), 'a failure is not reported as slowness');
  assert.ok(logs.includes('could not publish desired state: connection lost'));
  assert.equal((await actions.list()).length, 2);
});

test('concurrent changes publish in revision order, and republishing sends every topic ever touched under a new revision', async (t) => {
  const { actions, broker } = await service(t);
  const created = await Promise.all([1, 2, 3, 4].map((n) => actions.create(input({ tags: [`t${n % 2}`] }))));
  assert.deepEqual(
    broker.sent.map((s) => s.state.rev),
    [1, 2, 3, 4],
  );
  await actions.delete(created[0]!.action.id);
  await actions.republishAll();
  const last = broker.sent.slice(-2);
  assert.deepEqual(last.map((s) => s.topic).sort(), ['liveprobe/v1/tags/t0/actions', 'liveprobe/v1/tags/t1/actions']);
  assert.deepEqual(
    last.map((s) => s.state.rev),
    [6, 6],
  );
  assert.equal(last.flatMap((s) => s.state.actions).length, 3);
});

async function waitForSent(broker: Broker, count: number): Promise<void> {
  while (broker.sent.length < count) await new Promise((resolve) => setImmediate(resolve));
}
