import { Hono } from 'hono';
import { SnapshotListQuery, type SnapshotList } from '@liveprobe/protocol';
import { toBodyIssues } from '../body-issues.js';
import { InvalidQueryError } from '../errors.js';
import type { SnapshotArchive } from '../snapshots/snapshot-archive.js';

/** `GET /snapshots` (summaries, newest first) and `GET /snapshots/:id` (everything captured). */
export function snapshotsRoutes(snapshots: SnapshotArchive): Hono {
  return new Hono()
    .get('/', async (c) => {
      // An empty parameter (`?action=`) means no filter, as in a form left blank.
      const given = Object.fromEntries(Object.entries(c.req.query()).filter(([, value]) => value !== ''));
      const parsed = SnapshotListQuery.safeParse(given);
      if (!parsed.success) throw new InvalidQueryError(toBodyIssues(parsed.error));
      const { action, agent, limit } = parsed.data;
      return c.json({ snapshots: await snapshots.list({ actionId: action, agentId: agent, limit }) } satisfies SnapshotList);
    })
    .get('/:id', async (c) => c.json(await snapshots.get(c.req.param('id'))));
}
