import type { ClusterCoordination } from '../services.js';
import { openPostgresStore, redactDatabaseUrl } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { SqlStore } from './sql-store.js';

export interface OpenedStore {
  store: SqlStore;
  /** Present when replicas may share the store. */
  cluster?: ClusterCoordination & { ready: Promise<void> };
  /** Where the data lives, safe to print (no password). */
  description: string;
}

/** Postgres when a database URL is given, else the SQLite file in the data dir. */
export async function openStore(options: {
  databaseUrl: string | undefined;
  dbPath: string;
  log: (line: string) => void;
}): Promise<OpenedStore> {
  if (options.databaseUrl === undefined) {
    return { store: await openSqliteStore(options.dbPath), description: options.dbPath };
  }
  const { store, cluster } = await openPostgresStore(options.databaseUrl, options.log);
  return { store, cluster, description: redactDatabaseUrl(options.databaseUrl) };
}
