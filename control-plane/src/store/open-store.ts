import type { Migrations } from './migrations.js';
import type { PostgresCluster } from './postgres-cluster.js';
import { redactUrl } from '@liveprobe/protocol';
import { openPostgres } from './postgres.js';
import { openSqlite } from './sqlite.js';
import type { SqlStore } from './sql-store.js';

export interface OpenedStore {
  store: SqlStore;
  /** Present when replicas may share the store. */
  cluster?: PostgresCluster;
  /** Where the data lives, safe to print (no password). */
  description: string;
}

/** Postgres when a database URL is given, else the SQLite file in the data dir. */
export async function openStore(options: {
  databaseUrl: string | undefined;
  dbPath: string;
  log: (line: string) => void;
  migrations: Migrations;
}): Promise<OpenedStore> {
  if (options.databaseUrl === undefined) {
    return { store: await openSqlite(options.dbPath, options.migrations), description: options.dbPath };
  }
  const { store, cluster } = await openPostgres(options.databaseUrl, options.migrations, options.log);
  return { store, cluster, description: redactUrl(options.databaseUrl) };
}
