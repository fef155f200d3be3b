/**
 * The store with every feature's tables: the store's own migrations and those each feature
 * registers here (authentication's tokens, the audit trail). store/ imports no feature; this
 * is where they meet.
 */
import { auditMigrations } from './audit/audit-migration.js';
import { authMigrations } from './auth/token-migration.js';
import type { Migrations } from './store/migrations.js';
import { storeMigrations } from './store/migrations.js';
import { openPostgres, type SharedStore } from './store/postgres.js';
import type { SqlStore } from './store/sql-store.js';
import { openSqlite } from './store/sqlite.js';

export const MIGRATIONS: Migrations = { ...storeMigrations, ...authMigrations, ...auditMigrations };

/** Opens (creating if needed) the SQLite database at `dbPath`, its schema up to date. */
export function openSqliteStore(dbPath: string): Promise<SqlStore> {
  return openSqlite(dbPath, MIGRATIONS);
}

/** Opens the PostgreSQL database at `url` that replicas share, its schema up to date. */
export function openPostgresStore(url: string, log?: (line: string) => void): Promise<SharedStore> {
  return openPostgres(url, MIGRATIONS, log);
}
