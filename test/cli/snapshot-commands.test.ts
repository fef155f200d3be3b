import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ActionView, SnapshotRecord } from '@liveprobe/protocol';
import { startControlPlane, type ControlPlane } from '@liveprobe/control-plane';
import { cli, tempDir, waitFor } from '../helpers/index.js';
import { publishSnapshot, snapshotActionFor, snapshotEvent, snapshotWithUnseenNames } from '../fixtures/snapshot-event.js';

async function start(t: TestContext): Promise<ControlPlane> {
  const dir = await tempDir('liveprobe-cp-');
  t.after(() => dir.remove());
  const controlPlane = await startControlPlane({ port: 0, mqttPort: 0, dataDir: dir.path });
  t.after(() => controlPlane.close());
  return controlPlane;
}

async function stored(controlPlane: ControlPlane, id: string): Promise<void> {
  await waitFor(async () => (await fetch(`${controlPlane.url}/api/v1/snapshots/${id}`)).ok, 5000, `snapshot ${id} to be stored`);
}

test('`snapshot add` sends every flag, prints the new id and how to list its snapshots, and `actions` lists it', async (t) => {
  const controlPlane = await start(t);
  const added = await cli(
    [
      'snapshot',
      'add',
      'examples/shop/server.js:37',
      '--watch',
      'user.name',
      '--watch',
      'len(lines)',
      '--condition',
      'amount > 10',
      '--max-hits',
      '3',
      '--tag',
      'e2e',
      '--agent',
      'shop-1',
      '--expires',
      '15m',
    ],
    { server: controlPlane.url },
  );
  assert.equal(added.code, 0, added.stderr);
  const id =
    /^created (act_\w+) \(snapshot at examples\/shop\/server\.js:37\); list its snapshots with: liveprobe snapshots --action (act_\w+)$/m.exec(
      added.stdout,
    );
  assert.ok(id !== null && id[1] === id[2], added.stdout);
  assert.match(added.stderr, /warning: no agent has reported tag "e2e" yet/);

  const action = (await (await fetch(`${controlPlane.url}/api/v1/actions/${id[1]}`)).json()) as ActionView;
  assert.equal(action.type, 'snapshot');
  assert.deepEqual(action.type === 'snapshot' ? action.watches : [], ['user.name', 'len(lines)']);
  assert.equal(action.condition, 'amount > 10');
  assert.equal(action.maxHits, 3);
  assert.deepEqual([action.tags, action.agents], [['e2e'], ['shop-1']]);
  assert.equal(Date.parse(action.expiresAt) - Date.parse(action.createdAt), 15 * 60_000);

  const listed = await cli(['actions'], { server: controlPlane.url });
  assert.match(
    listed.stdout,
    new RegExp(
      `^${id[1]}\\s+snapshot\\s+examples/shop/server\\.js:37\\s+tag:e2e, agent:shop-1\\s+active: waiting for agents\\s+0\\s+in 1[45]m$`,
      'm',
    ),
  );
  const shown = await cli(['actions', 'show', id[1] ?? ''], { server: controlPlane.url });
  assert.match(shown.stdout, /^watches +user\.name, len\(lines\)$/m);
});

test('`snapshot add` defaults to one hit, and a bad watch expression is reported at the --watch that gave it', async (t) => {
  const controlPlane = await start(t);
  const added = await cli(['snapshot', 'add', 'src/orders.ts:42', '--tag', 'e2e', '--json'], { server: controlPlane.url });
  assert.equal(added.code, 0, added.stderr);
  const { action } = JSON.parse(added.stdout) as { action: ActionView };
  assert.deepEqual([action.type, action.maxHits, action.type === 'snapshot' ? action.watches : undefined], ['snapshot', 1, []]);

  const bad = await cli(['snapshot', 'add', 'src/orders.ts:42', '--tag', 'e2e', '--watch', 'user.name', '--watch', 'items.push(1)'], {
    server: controlPlane.url,
  });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: --watch "items\.push\(1\)": call to `items\.push`/m);
});

test('`snapshots show` prints location, stall, stack and every value as a tree, saying what the agent left out', async (t) => {
  const controlPlane = await start(t);
  const actionId = await snapshotActionFor(controlPlane.url);
  await publishSnapshot(controlPlane.mqttUrl, snapshotEvent({ id: 'snp_tree', actionId }));
  await stored(controlPlane, 'snp_tree');
  const shown = await cli(['snapshots', 'show', 'snp_tree'], { server: controlPlane.url });
  assert.equal(shown.code, 0, shown.stderr);
  assert.equal(
    shown.stdout.replace(/^time {6}2030-01-01T00:00:00\.000Z \(.+\)$/m, 'time      <time>'),
    `snapshot  snp_tree
action    ${actionId}
agent     shop-1
time      <time>
location  /srv/shop/examples/shop/server.js:37 in checkout
stall     0.42 ms (the app's main thread, for this capture)
size      2.3 KB; truncated: a size limit cut some values short
trace     4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7

stack
  checkout     /srv/shop/examples/shop/server.js:37:3
  route        /srv/shop/examples/shop/server.js:69:12
  (anonymous)  node:internal/process/task_queues:95:5

arguments
  userId = "u1"
  items = Array(1)
    [0] = Object
      sku = "tea"
      quantity = 2

locals
  user = Object
    id = "u1"
    name = "Ada"
    email = [REDACTED]
    profile = [Getter]
  amount = 8.1
  ratio = NaN
  note = "a very long note"…+1000 more chars
  order = <not available: not initialized yet at this line>
  seen = Set(2)
    "tea"
    "mug"
  prices = Map(3)
    "tea" => 4.5
    "mug" => 12
    …+1 more
  digest = Uint8Array(32) [1, 2, 3, …+29 more]
  big = 12345678901234567890n
  token = Symbol(token)
  when = Date(2030-01-01T00:00:00.000Z)
  pattern = /^u\\d+$/i
  failure = HttpError: no user u9
    status = 404
  sparse = Array(3)
    [0] = 1
    [1] = <empty>
    [2] = null
  self = Node
    next = [Circular]
  deep = Object
    level1 = [Config: depth limit]
  wrapped = [Proxy]
  onDone = [AsyncFunction: onDone]
  rest = [Truncated: the snapshot size limit was reached]

module scope
  nextOrderId = 4
  inventory = Inventory
    products = Map(3)
      …+3 more
    …+2 more

this = undefined

watches
  user.name = "Ada"
  order.id  ! order is not available at this line
`,
  );

  const json = await cli(['snapshots', 'show', 'snp_tree', '--json'], { server: controlPlane.url });
  const { kind: _kind, ...expected } = snapshotEvent({ id: 'snp_tree', actionId });
  assert.deepEqual(JSON.parse(json.stdout) as SnapshotRecord, expected);
});

test('`snapshots show` says a reason shared by several unavailable variables once, and points the others back to it', async (t) => {
  const controlPlane = await start(t);
  const actionId = await snapshotActionFor(controlPlane.url);
  const event = snapshotWithUnseenNames({ id: 'snp_unseen', actionId });
  await publishSnapshot(controlPlane.mqttUrl, event);
  await stored(controlPlane, 'snp_unseen');
  const shown = await cli(['snapshots', 'show', 'snp_unseen'], { server: controlPlane.url });
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(
    shown.stdout,
    new RegExp(
      [
        '^module scope',
        '  createServer = <not available: `createServer` is not available at this line \\(a prepared site sees what its function sees\\)>',
        '  nextOrderId = 4',
        '  route = <not available: same reason as createServer>',
        '  port = <not available: `port` is not initialised yet at this line>',
        '  server = <not available: same reason as createServer>$',
      ].join('\n'),
      'm',
    ),
  );
});

test('`snapshots` filters by action, says when there are none, and an unknown id is an error that says where to look', async (t) => {
  const controlPlane = await start(t);
  const [act_a, act_b] = [await snapshotActionFor(controlPlane.url), await snapshotActionFor(controlPlane.url)];
  await publishSnapshot(controlPlane.mqttUrl, snapshotEvent({ id: 'snp_a', actionId: act_a }));
  await publishSnapshot(controlPlane.mqttUrl, snapshotEvent({ id: 'snp_b', actionId: act_b, time: '2030-01-01T00:00:01.000Z' }));
  await stored(controlPlane, 'snp_a');
  await stored(controlPlane, 'snp_b');

  const all = await cli(['snapshots', '--json'], { server: controlPlane.url });
  assert.deepEqual(
    (JSON.parse(all.stdout) as { snapshots: { id: string }[] }).snapshots.map((s) => s.id),
    ['snp_b', 'snp_a'],
  );
  const one = await cli(['snapshots', '--action', act_a], { server: controlPlane.url });
  assert.deepEqual(
    one.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/)[0]),
    ['snp_a'],
  );

  const none = await cli(['snapshots', '--action', 'act_quiet'], { server: controlPlane.url });
  assert.equal(
    none.stdout,
    'no snapshots of act_quiet yet; a snapshot action gives one each time an agent runs its line, an exception action each time an error it watches is thrown (see: liveprobe actions show act_quiet)\n',
  );

  const missing = await cli(['snapshots', 'show', 'snp_gone'], { server: controlPlane.url });
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /^error: no snapshot snp_gone; list the stored ones with GET \/api\/v1\/snapshots or `liveprobe snapshots`/m,
  );

  const badLimit = await cli(['snapshots', '--limit', '0'], { server: controlPlane.url });
  assert.equal(badLimit.code, 1);
  assert.match(badLimit.stderr, /^error: limit: at least 1$/m);
});
