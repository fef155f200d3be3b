import type { SnapshotRecord, SnapshotSummary } from '@liveprobe/protocol';

export type { SnapshotRecord, SnapshotSummary };

export function summarizeSnapshot(snapshot: SnapshotRecord): SnapshotSummary {
  const { location, stallMs, truncated } = snapshot.snapshot;
  return { id: snapshot.id, actionId: snapshot.actionId, agentId: snapshot.agentId, time: snapshot.time, location, stallMs, truncated };
}
