import type { Kysely, Migration } from 'kysely';
import type { Migrations } from '../store/migrations.js';

/** API tokens: only a SHA-256 of each secret is kept; the secret is shown once, at creation. */
export const apiTokensMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('secret_sha256', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('last_used_at', 'text')
      .execute();
  },
};

/** Agent tokens name the tags whose desired state they may read over MQTT (JSON array; `["*"]` for all). */
export const agentTokenTagsMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('api_tokens').addColumn('tags', 'text').execute();
  },
};

/** Agent tokens name the agent ids (MQTT client ids) they may connect as (JSON array of `id`, `prefix*`, `*`). */
export const agentTokenIdsMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('api_tokens').addColumn('agents', 'text').execute();
  },
};

/** The tables authentication adds to the store, in the store's one sequence of names. */
export const authMigrations: Migrations = {
  '0003_api_tokens': apiTokensMigration,
  '0005_agent_token_tags': agentTokenTagsMigration,
  '0006_agent_token_ids': agentTokenIdsMigration,
};
