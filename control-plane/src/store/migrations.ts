import type { Kysely, Migration } from 'kysely';

/**
 * Migrations by name, applied in name order across every feature (the names share one
 * sequence); never edit one that has shipped, add the next.
 */
export type Migrations = Readonly<Record<string, Migration>>;

/** The store's own tables: actions, their statuses, agents, the revision, snapshots. */
export const storeMigrations: Migrations = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('actions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('rev', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('line', 'integer', (c) => c.notNull())
        .addColumn('condition', 'text')
        // The fields only one action type has (a log's template and level, a snapshot's watches), as JSON.
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('agents', 'text', (c) => c.notNull())
        .addColumn('max_hits', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .addColumn('expired_at', 'text')
        .execute();
      await db.schema.createIndex('actions_live').on('actions').columns(['deleted_at', 'expired_at', 'expires_at']).execute();

      await db.schema
        .createTable('action_status')
        .addColumn('action_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('message', 'text')
        .addColumn('location', 'text')
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('hits', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('action_status_pk', ['action_id', 'agent_id'])
        .execute();

      await db.schema
        .createTable('agents')
        .addColumn('agent_id', 'text', (c) => c.primaryKey())
        .addColumn('birth', 'text', (c) => c.notNull())
        .addColumn('online', 'integer', (c) => c.notNull())
        .addColumn('last_seen', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'integer', (c) => c.notNull())
        .execute();
      await db.insertInto('meta').values({ key: 'rev', value: 0 }).execute();
    },
  },
  '0002_snapshots': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('snapshots')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('action_id', 'text', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('line', 'integer', (c) => c.notNull())
        .addColumn('function', 'text')
        .addColumn('stall_ms', 'double precision', (c) => c.notNull())
        .addColumn('truncated', 'integer', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      // Listing by action and pruning each action to its newest snapshots both walk this index.
      await db.schema.createIndex('snapshots_by_action').on('snapshots').columns(['action_id', 'time']).execute();
      await db.schema.createIndex('snapshots_by_time').on('snapshots').column('time').execute();
    },
  },
};
