import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';
import type { Migrations } from '../store/migrations.js';

/** The audit trail: rows are only ever inserted; triggers in the database refuse UPDATE and DELETE. */
export const auditLogMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('audit_log')
      // Time-ordered ids (audit-trail.ts), so "newest first" and paging need no sequence.
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('time', 'text', (c) => c.notNull())
      .addColumn('actor_kind', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('actor_name', 'text', (c) => c.notNull())
      .addColumn('actor_role', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('request', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('forwarded_for', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('before', 'text')
      .addColumn('after', 'text')
      .execute();
    await db.schema.createIndex('audit_log_by_time').on('audit_log').column('time').execute();

    if (db.getExecutor().adapter instanceof PostgresAdapter) {
      await sql`create function liveprobe_audit_append_only() returns trigger language plpgsql as $$
        begin raise exception 'the audit log is append-only'; end $$`.execute(db);
      await sql`create trigger audit_log_append_only before update or delete on audit_log
        for each row execute function liveprobe_audit_append_only()`.execute(db);
    } else {
      for (const operation of ['update', 'delete']) {
        await sql
          .raw(`create trigger audit_log_no_${operation} before ${operation} on audit_log
          begin select raise(abort, 'the audit log is append-only'); end`)
          .execute(db);
      }
    }
  },
};

/** The table the audit trail adds to the store, in the store's one sequence of names. */
export const auditMigrations: Migrations = { '0004_audit_log': auditLogMigration };
