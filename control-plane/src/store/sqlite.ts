import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { StoreUnavailableError } from '../errors.js';
import type { Migrations } from './migrations.js';
import type { Database } from './schema.js';
import { SqlStore } from './sql-store.js';

/**
 * Opens (creating if needed) the SQLite database at `dbPath` and brings its schema up to date
 * with `migrations` (every feature's: see control-plane/src/database.ts).
 */
export async function openSqlite(dbPath: string, migrations: Migrations): Promise<SqlStore> {
  let db: Kysely<Database>;
  try {
    mkdirSync(dirname(dbPath), { recursive: true });
    const database = new SQLite(dbPath);
    // WAL lets readers (the REST API) proceed while ingest writes.
    database.pragma('journal_mode = WAL');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  } catch (err) {
    throw new StoreUnavailableError(dbPath, err);
  }
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    throw new StoreUnavailableError(dbPath, error);
  }
  return new SqlStore(db);
}
