import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createParser } from 'eventsource-parser';
import type { ActionView, SnapshotRecord, SnapshotSummary } from '@liveprobe/protocol';
import type { ErrorBody } from '@liveprobe/control-plane';
import { snapshotEvent } from '../fixtures/snapshot-event.js';
import { defaultTopics, inProcess, logAction, postAction, receive } from './fixtures.js';

const eventsTopic = (agentId: string) => defaultTopics.agentEvents(agentId);
const at = (second: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, second)).toISOString();

/** An action aimed at the agents shop-1 and shop-2 by id: the control plane stores snapshots only for actions that target their agent. */
async function actionFor(app: Awaited<ReturnType<typeof inProcess>>['app'], line = 37): Promise<string> {
  const response = await postAction(app, logAction({ line, tags: [], agents: ['shop-1', 'shop-2'] }));
  return ((await response.json()) as { action: ActionView }).action.id;
}

test('a snapshot from an agent is stored whole and listed as a summary', async (t) => {
  const { app, services } = await inProcess(t);
  const event = snapshotEvent({ id: 'snp_1', actionId: await actionFor(app) });
  await receive(services, eventsTopic('shop-1'), event);

  const list = (await (await app.request('/api/v1/snapshots')).json()) as { snapshots: SnapshotSummary[] };
  assert.deepEqual(list.snapshots, [
    {
      id: 'snp_1',
      actionId: event.actionId,
      agentId: 'shop-1',
      time: event.time,
      location: { file: '/srv/shop/examples/shop/server.js', line: 37, function: 'checkout' },
      stallMs: 0.42,
      truncated: true,
    },
  ]);

  const response = await app.request('/api/v1/snapshots/snp_1');
  assert.equal(response.status, 200);
  const { kind: _kind, ...expected } = event;
  assert.deepEqual((await response.json()) as SnapshotRecord, expected);
});

test('snapshots are listed newest first, filtered by action and agent, and limited', async (t) => {
  const { app, services } = await inProcess(t);
  const [act_a, act_b] = [await actionFor(app, 1), await actionFor(app, 2)];
  await receive(services, eventsTopic('shop-1'), snapshotEvent({ id: 'snp_a1', actionId: act_a, agentId: 'shop-1', time: at(1) }));
  await receive(services, eventsTopic('shop-2'), snapshotEvent({ id: 'snp_a2', actionId: act_a, agentId: 'shop-2', time: at(3) }));
  await receive(services, eventsTopic('shop-1'), snapshotEvent({ id: 'snp_b1', actionId: act_b, agentId: 'shop-1', time: at(2) }));
  const ids = async (query: string) =>
    ((await (await app.request(`/api/v1/snapshots${query}`)).json()) as { snapshots: SnapshotSummary[] }).snapshots.map((s) => s.id);

  assert.deepEqual(await ids(''), ['snp_a2', 'snp_b1', 'snp_a1']);
  assert.deepEqual(await ids(`?action=${act_a}`), ['snp_a2', 'snp_a1']);
  assert.deepEqual(await ids('?agent=shop-1'), ['snp_b1', 'snp_a1']);
  assert.deepEqual(await ids(`?action=${act_a}&agent=shop-1`), ['snp_a1']);
  assert.deepEqual(await ids('?limit=1'), ['snp_a2']);
  assert.deepEqual(await ids('?action=&agent=&limit='), ['snp_a2', 'snp_b1', 'snp_a1'], 'blank parameters are no filter');
});

test('a bad limit is a 400 naming the parameter; an unknown snapshot is a 404 in the usual error shape', async (t) => {
  const { app } = await inProcess(t);
  for (const limit of ['0', 'ten', '501', '2.5']) {
    const response = await app.request(`/api/v1/snapshots?limit=${limit}`);
    assert.equal(response.status, 400, `limit=${limit}`);
    const { error } = (await response.json()) as ErrorBody;
    assert.equal(error.code, 'invalid_query');
    assert.equal(error.issues?.[0]?.path, 'limit');
  }
  const missing = await app.request('/api/v1/snapshots/snp_nosuchthing');
  assert.equal(missing.status, 404);
  const { error } = (await missing.json()) as ErrorBody;
  assert.equal(error.code, 'not_found');
  assert.match(error.message, /no snapshot snp_nosuchthing; list the stored ones with GET \/api\/v1\/snapshots/);
});

test('each action keeps only its newest 100 snapshots', async (t) => {
  const { app, services } = await inProcess(t);
  const [busy, other] = [await actionFor(app, 1), await actionFor(app, 2)];
  await receive(services, eventsTopic('shop-1'), snapshotEvent({ id: 'snp_other', actionId: other, time: at(0) }));
  for (let i = 0; i < 101; i++) {
    const time = new Date(Date.UTC(2030, 0, 1, 0, 1, 0, i)).toISOString();
    await receive(services, eventsTopic('shop-1'), snapshotEvent({ id: `snp_${String(i).padStart(3, '0')}`, actionId: busy, time }));
  }
  const { snapshots } = (await (await app.request(`/api/v1/snapshots?action=${busy}&limit=500`)).json()) as {
    snapshots: SnapshotSummary[];
  };
  assert.equal(snapshots.length, 100);
  assert.equal(snapshots[0]?.id, 'snp_100');
  assert.equal(snapshots.at(-1)?.id, 'snp_001', 'the oldest one went');
  assert.equal((await app.request('/api/v1/snapshots/snp_000')).status, 404);
  assert.equal((await app.request('/api/v1/snapshots/snp_other')).status, 200, 'other actions keep theirs');
});

test('every snapshot counts as a hit of its action, once even when MQTT delivers it twice', async (t) => {
  const { app, services } = await inProcess(t);
  const created = await app.request('/api/v1/actions', {
    method: 'POST',
    body: JSON.stringify({
      type: 'snapshot',
      file: 'examples/shop/server.js',
      line: 37,
      watches: ['user.name'],
      agents: ['shop-1'],
      maxHits: 5,
    }),
  });
  assert.equal(created.status, 201);
  const { action } = (await created.json()) as { action: ActionView };
  assert.equal(action.type, 'snapshot');

  await receive(services, eventsTopic('shop-1'), snapshotEvent({ id: 'snp_1', actionId: action.id, time: at(1) }));
  await receive(services, eventsTopic('shop-1'), snapshotEvent({ id: 'snp_1', actionId: action.id, time: at(1) }));
  await receive(services, eventsTopic('shop-1'), snapshotEvent({ id: 'snp_2', actionId: action.id, time: at(2) }));

  const view = (await (await app.request(`/api/v1/actions/${action.id}`)).json()) as ActionView;
  assert.deepEqual(
    view.statuses.map((s) => [s.agentId, s.state, s.hits, s.location]),
    [['shop-1', 'installed', 2, { file: '/srv/shop/examples/shop/server.js', line: 37 }]],
  );
});

test('the live stream announces a stored snapshot by its summary, without the captured values', async (t) => {
  const { app, services } = await inProcess(t);
  const [wanted, other] = [await actionFor(app, 1), await actionFor(app, 2)];
  const response = await app.request(`/api/v1/events?action=${wanted}`);
  const received: Array<{ event: string | undefined; data: Record<string, unknown> }> = [];
  const parser = createParser({ onEvent: (message) => received.push({ event: message.event, data: JSON.parse(message.data) }) });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();

  await receive(services, eventsTopic('shop-1'), snapshotEvent({ id: 'snp_skip', actionId: other }));
  await receive(services, eventsTopic('shop-1'), snapshotEvent({ id: 'snp_1', actionId: wanted }));
  await receive(services, eventsTopic('shop-1'), snapshotEvent({ id: 'snp_1', actionId: wanted }));
  await receive(services, eventsTopic('shop-1'), snapshotEvent({ id: 'snp_2', actionId: wanted }));
  while (received.length < 2) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended early');
    parser.feed(decoder.decode(value, { stream: true }));
  }
  await reader.cancel();
  assert.deepEqual(
    received.map((r) => [r.event, r.data.id]),
    [
      ['snapshot', 'snp_1'],
      ['snapshot', 'snp_2'],
    ],
    'a redelivery is not announced again',
  );
  assert.deepEqual(received[0]?.data, {
    kind: 'snapshot',
    id: 'snp_1',
    actionId: wanted,
    agentId: 'shop-1',
    time: '2030-01-01T00:00:00.000Z',
    location: { file: '/srv/shop/examples/shop/server.js', line: 37, function: 'checkout' },
    stallMs: 0.42,
    truncated: true,
  });
});

test('a snapshot that does not match the protocol is logged and dropped', async (t) => {
  const { app, services, logs } = await inProcess(t);
  const event = snapshotEvent({ id: 'snp_bad' });
  const broken = { ...event, snapshot: { ...event.snapshot, locals: [{ name: 'x', value: { t: 'mystery' } }] } };
  await receive(services, eventsTopic('shop-1'), JSON.stringify(broken));
  assert.equal((await app.request('/api/v1/snapshots/snp_bad')).status, 404);
  assert.match(
    logs.find((line) => line.startsWith('ignored a message on liveprobe/v1/agents/shop-1/events')) ?? '',
    /snapshot\.locals\.0\.value/,
  );
});
