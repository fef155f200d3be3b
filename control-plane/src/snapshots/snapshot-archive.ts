import { SnapshotNotFoundError } from '../errors.js';
import type { SnapshotQuery, Store } from '../store/store.js';
import type { SnapshotRecord, SnapshotSummary } from './snapshot-summary.js';

/** Reads the snapshots ingest stored; agents are the only writers. */
export class SnapshotArchive {
  constructor(private readonly store: Store) {}

  list(query: SnapshotQuery): Promise<SnapshotSummary[]> {
    return this.store.listSnapshots(query);
  }

  async get(id: string): Promise<SnapshotRecord> {
    const snapshot = await this.store.getSnapshot(id);
    if (snapshot === undefined) throw new SnapshotNotFoundError(id);
    return snapshot;
  }
}
