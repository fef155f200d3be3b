import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { redactUrl } from '@liveprobe/protocol';
import { StoreUnavailableError } from '../errors.js';
import type { Migrations } from './migrations.js';
import { PostgresCluster } from './postgres-cluster.js';
import type { Database } from './schema.js';
import { SqlStore } from './sql-store.js';

/** A Store that several control-plane replicas share, and what they coordinate through it. */
export interface SharedStore {
  store: SqlStore;
  cluster: PostgresCluster;
}

/** Opens a pool to `url` (`postgres://user:pass@host:5432/db`) and brings the schema up to date with `migrations`. */
export async function openPostgres(url: string, migrations: Migrations, log: (line: string) => void = () => {}): Promise<SharedStore> {
  const where = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // An idle client whose server went away emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', (err) => log(`postgres: ${err.message}`));
  // A client in use when the server goes away emits 'error' too; its query fails on its own, so this only keeps the process alive.
  pool.on('connect', (client) => client.on('error', (err) => log(`postgres: ${err.message}`)));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy();
    throw new StoreUnavailableError(where, err);
  }
  // Kysely's migrator takes a lock in the database, so replicas starting together migrate once.
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    throw new StoreUnavailableError(where, error);
  }
  const cluster = new PostgresCluster(db, log);
  const store = new SqlStore(db);
  const close = store.close.bind(store);
  // The cluster's reserved connection has to go back to the pool before the pool can end.
  store.close = async () => {
    await cluster.close();
    await close();
  };
  return { store, cluster };
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}
