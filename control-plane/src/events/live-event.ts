import type { AgentEvent, HeartbeatEvent, SnapshotEvent } from '@liveprobe/protocol';
import type { SnapshotSummary } from '../snapshots/snapshot-summary.js';

/**
 * A snapshot as the live stream announces it: its summary, without the captured values,
 * which can weigh hundreds of kilobytes; `GET /api/v1/snapshots/{id}` has them.
 */
export type SnapshotNotice = { kind: 'snapshot' } & SnapshotSummary;

/** What `GET /api/v1/events` streams: agent events as received (heartbeats only update `last seen`), snapshots as notices. */
export type LiveEvent = Exclude<AgentEvent, SnapshotEvent | HeartbeatEvent> | SnapshotNotice;
