// The Store contract, run against SQLite and a real PostgreSQL alike, plus what replicas
// sharing one PostgreSQL coordinate through it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { openPostgresStore, openSqliteStore, type Store } from '@liveprobe/control-plane';
import type { Action } from '@liveprobe/protocol';
import { postgres, tempDir, waitFor, type Postgres } from '../helpers/index.js';
import { birth, t0 } from './fixtures.js';

let server: Postgres;
before(async () => {
  server = await postgres();
});
after(() => server?.stop());

const backends: Record<string, (t: TestContext) => Promise<Store>> = {
  sqlite: async (t) => {
    const dir = await tempDir('liveprobe-store-');
    const store = await openSqliteStore(join(dir.path, 'liveprobe.db'));
    t.after(async () => {
      await store.close();
      await dir.remove();
    });
    return store;
  },
  postgres: async (t) => {
    const { store } = await openPostgresStore(await server.createDatabase());
    t.after(() => store.close());
    return store;
  },
};

type LogAction = Extract<Action, { type: 'log' }>;

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

for (const [name, open] of Object.entries(backends)) {
  describe(`the ${name} store`, () => {
    test('keeps actions with their type-specific fields, newest first, and bumps the revision on every change', async (t) => {
      const store = await open(t);
      const a = await store.createAction(action('act_a', { condition: 'n > 1', agents: ['api-1'] }));
      const { template: _template, level: _level, ...common } = action('act_b');
      const b = await store.createAction({ ...common, type: 'snapshot', watches: ['user.id'], maxHits: 1 });
      assert.equal(b.rev, a.rev + 1);
      assert.deepEqual(
        (await store.listActions()).map((x) => x.id),
        ['act_b', 'act_a'],
      );
      assert.deepEqual(await store.getAction('act_b'), b.value);
      assert.deepEqual(await store.liveActions(), [a.value, b.value]);
      const deleted = await store.deleteAction('act_a', new Date(t0));
      assert.equal(deleted?.rev, b.rev + 1);
      assert.equal(await store.deleteAction('act_a', new Date(t0)), undefined, 'a deleted action cannot be deleted twice');
      assert.equal(await store.bumpRev(), b.rev + 2);
      assert.deepEqual((await store.allTargets()).agents, ['api-1']);
    });

    test('expires due actions once, keeping them listed', async (t) => {
      const store = await open(t);
      await store.createAction(action('act_short'));
      await store.createAction(action('act_long', { expiresAt: new Date(t0 + 3_600_000).toISOString() }));
      assert.equal(await store.expireActions(new Date(t0)), undefined);
      assert.deepEqual(
        (await store.expireActions(new Date(t0 + 60_000)))?.value.map((x) => x.id),
        ['act_short'],
      );
      assert.equal(await store.expireActions(new Date(t0 + 60_000)), undefined);
      assert.deepEqual(
        (await store.listActions()).map((x) => [x.id, x.expiredAt !== undefined]),
        [
          ['act_long', false],
          ['act_short', true],
        ],
      );
    });

    test('counts hits and keeps the latest status per agent; tracks presence', async (t) => {
      const store = await open(t);
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
      await store.recordStatus({
        kind: 'action_status',
        agentId: 'api-1',
        time,
        actionId: 'act_a',
        state: 'hit_limit',
        message: 'reached 2 hits',
      });
      assert.deepEqual(
        (await store.statuses(['act_a'])).map((s) => [s.state, s.message, s.hits]),
        [['hit_limit', 'reached 2 hits', 2]],
      );

      await store.recordBirths([birth('api-1', ['t'])], new Date(t0));
      await store.recordBirths([birth('api-2', ['t'])], new Date(t0));
      await store.recordOffline('api-2', new Date(t0 + 1000));
      assert.deepEqual(
        (await store.listAgents()).map((x) => [x.agentId, x.online]),
        [
          ['api-1', true],
          ['api-2', false],
        ],
      );
      await store.markAllAgentsOffline();
      assert.deepEqual(
        (await store.listAgents()).map((x) => x.online),
        [false, false],
      );
    });
  });
}

describe('replicas sharing one PostgreSQL', () => {
  test('hand out distinct, increasing revisions even when they change actions at the same time', async (t) => {
    const url = await server.createDatabase();
    const [one, two] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    t.after(() => Promise.all([one.store.close(), two.store.close()]));
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? one : two).store.createAction(action(`act_${i}`))),
    );
    const revs = created.map((c) => c.rev).sort((a, b) => a - b);
    assert.equal(new Set(revs).size, 40, 'no revision is handed out twice');
    assert.equal(await one.cluster.currentRev(), revs.at(-1));
    assert.equal((await two.store.listActions()).length, 40, 'each sees what the other wrote');
  });

  test('exactly one replica is the ingest leader, and the other takes over when it leaves', async (t) => {
    const url = await server.createDatabase();
    const one = await openPostgresStore(url);
    await one.cluster.ready;
    const two = await openPostgresStore(url);
    t.after(() => two.store.close());
    await two.cluster.ready;
    assert.deepEqual([one.cluster.isIngestLeader(), two.cluster.isIngestLeader()], [true, false]);
    await one.store.close();
    await waitFor(() => two.cluster.isIngestLeader(), 10_000, 'the second replica to take over');
  });

  test('exclusive sections of different replicas never overlap', async (t) => {
    const url = await server.createDatabase();
    const [one, two] = await Promise.all([openPostgresStore(url), openPostgresStore(url)]);
    t.after(() => Promise.all([one.store.close(), two.store.close()]));
    let inside = 0;
    let overlapped = false;
    const section = () => async () => {
      inside += 1;
      if (inside > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, 5));
      inside -= 1;
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two).cluster.exclusive(section())));
    assert.equal(overlapped, false);
  });
});
