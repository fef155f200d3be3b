/** What `GET /api/v1/events` streams; the shapes are the REST contract's (`@liveprobe/protocol`). */
export type { LiveEvent, SnapshotNotice } from '@liveprobe/protocol';
