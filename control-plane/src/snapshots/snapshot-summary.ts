import type { SnapshotRecord, SnapshotSummary } from '../store/store.js';

export type { SnapshotRecord, SnapshotSummary } from '../store/store.js';

export function summarizeSnapshot(snapshot: SnapshotRecord): SnapshotSummary {
  const { location, stallMs, truncated } = snapshot.snapshot;
  return { id: snapshot.id, actionId: snapshot.actionId, agentId: snapshot.agentId, time: snapshot.time, location, stallMs, truncated };
}
