import type { SnapshotEvent } from '@liveprobe/protocol';

/** What a list of snapshots shows of each: enough to pick one, none of the captured values. */
export interface SnapshotSummary {
  id: string;
  actionId: string;
  agentId: string;
  time: string;
  location: { file: string; line: number; function?: string };
  /** How long the app's main thread stalled for the capture, in milliseconds. */
  stallMs: number;
  /** Whether a size limit cut some captured values short. */
  truncated: boolean;
}

/** A stored snapshot in full, as `GET /api/v1/snapshots/{id}` returns it: the agent's event without its `kind`. */
export type SnapshotRecord = Omit<SnapshotEvent, 'kind'>;

export function summarizeSnapshot(snapshot: SnapshotRecord): SnapshotSummary {
  const { location, stallMs, truncated } = snapshot.snapshot;
  return { id: snapshot.id, actionId: snapshot.actionId, agentId: snapshot.agentId, time: snapshot.time, location, stallMs, truncated };
}
