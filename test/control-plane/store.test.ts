import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { openSqliteStore, type Store } from '@liveprobe/control-plane';
import type { LogAction } from '@liveprobe/protocol';
import { tempDir } from '../helpers/index.js';
import { t0 } from './fixtures.js';

async function sqliteFile(t: TestContext): Promise<string> {
  const dir = await tempDir('liveprobe-store-');
  t.after(() => dir.remove());
  return join(dir.path, 'liveprobe.db');
}

async function open(t: TestContext, path: string): Promise<Store> {
  const store = await openSqliteStore(path);
  t.after(() => store.close());
  return store;
}

function action(id: string, overrides: Partial<LogAction> = {}): LogAction {
  return {
    id,
    type: 'log',
    file: 'src/a.ts',
    line: 1,
    template: 'x',
    level: 'info',
    tags: ['t'],
    agents: [],
    maxHits: 1000,
    createdAt: new Date(t0).toISOString(),
    expiresAt: new Date(t0 + 60_000).toISOString(),
    ...overrides,
  };
}

test('actions, the revision and agents survive closing and reopening the database', async (t) => {
  const path = await sqliteFile(t);
  const first = await openSqliteStore(path);
  const created = await first.createAction(action('act_a', { condition: 'n > 1', agents: ['api-1'] }));
  await first.recordBirths(
    [
      {
        state: 'online',
        agentId: 'api-1',
        hostname: 'h',
        pid: 1,
        runtime: 'node',
        runtimeVersion: 'v20',
        agentVersion: '0.1.0',
        tags: ['t'],
        startedAt: new Date(t0).toISOString(),
      },
    ],
    new Date(t0),
  );
  await first.close();

  const again = await open(t, path);
  assert.deepEqual(await again.liveActions(), [created.value]);
  assert.equal(await again.bumpRev(), created.rev + 1);
  assert.deepEqual(
    (await again.listAgents()).map((a) => a.agentId),
    ['api-1'],
  );
});

test('each change gets the next revision; a sweep with nothing due changes nothing', async (t) => {
  const store = await open(t, await sqliteFile(t));
  const a = await store.createAction(action('act_a'));
  const b = await store.createAction(action('act_b'));
  assert.equal(b.rev, a.rev + 1);
  assert.equal(await store.expireActions(new Date(t0)), undefined);
  const deleted = await store.deleteAction('act_a', new Date(t0));
  assert.equal(deleted?.rev, b.rev + 1);
  assert.equal(await store.deleteAction('act_a', new Date(t0)), undefined, 'a deleted action cannot be deleted twice');
});

test('expired actions stay listed but leave the live set; deleted ones leave both but keep their topics known', async (t) => {
  const store = await open(t, await sqliteFile(t));
  await store.createAction(action('act_short', { tags: ['short'] }));
  await store.createAction(action('act_long', { expiresAt: new Date(t0 + 3_600_000).toISOString() }));
  await store.createAction(action('act_gone', { tags: ['gone'], agents: ['api-9'] }));
  await store.deleteAction('act_gone', new Date(t0));

  const expired = await store.expireActions(new Date(t0 + 60_000));
  assert.deepEqual(
    expired?.value.map((a) => a.id),
    ['act_short'],
  );

  assert.deepEqual(
    (await store.listActions()).map((a) => [a.id, a.expiredAt !== undefined]),
    [
      ['act_long', false],
      ['act_short', true],
    ],
  );
  assert.deepEqual(
    (await store.liveActions()).map((a) => a.id),
    ['act_long'],
  );
  const targets = await store.allTargets();
  assert.deepEqual([...targets.tags].sort(), ['gone', 'short', 't']);
  assert.deepEqual(targets.agents, ['api-9']);
});

test('output counts as a hit even before the status report arrives, and a later status keeps the count', async (t) => {
  const store = await open(t, await sqliteFile(t));
  const time = new Date(t0).toISOString();
  const output = {
    kind: 'output',
    agentId: 'api-1',
    time,
    actionId: 'act_a',
    level: 'info',
    message: 'm',
    file: 'src/a.ts',
    line: 1,
  } as const;
  await store.recordHit(output);
  await store.recordHit(output);
  assert.deepEqual(
    (await store.statuses(['act_a'])).map((s) => [s.state, s.hits]),
    [['installed', 2]],
  );
  // A counter's line stands for every hit since its last one.
  await store.recordHit({ ...output, message: 'shop.checkouts +40', hits: 40 });
  assert.deepEqual(
    (await store.statuses(['act_a'])).map((s) => [s.state, s.hits]),
    [['installed', 42]],
  );

  await store.recordStatus({
    kind: 'action_status',
    agentId: 'api-1',
    time,
    actionId: 'act_a',
    state: 'hit_limit',
    message: 'reached 42 hits',
  });
  assert.deepEqual(
    (await store.statuses(['act_a'])).map((s) => [s.state, s.message, s.hits]),
    [['hit_limit', 'reached 42 hits', 42]],
  );
});
