import { Hono } from 'hono';
import { z } from 'zod';
import { toBodyIssues } from '../body-issues.js';
import { InvalidQueryError } from '../errors.js';
import type { SnapshotArchive } from '../snapshots/snapshot-archive.js';

const DEFAULT_SNAPSHOT_LIMIT = 50;
const MAX_SNAPSHOT_LIMIT = 500;

const ListQuery = z.object({
  action: z.string().min(1).optional(),
  agent: z.string().min(1).optional(),
  limit: z.coerce
    .number()
    .int('a whole number')
    .min(1, 'at least 1')
    .max(MAX_SNAPSHOT_LIMIT, `at most ${MAX_SNAPSHOT_LIMIT}`)
    .default(DEFAULT_SNAPSHOT_LIMIT),
});

/** `GET /snapshots` (summaries, newest first) and `GET /snapshots/:id` (everything captured). */
export function snapshotsRoutes(snapshots: SnapshotArchive): Hono {
  return new Hono()
    .get('/', async (c) => {
      // An empty parameter (`?action=`) means no filter, as in a form left blank.
      const given = Object.fromEntries(Object.entries(c.req.query()).filter(([, value]) => value !== ''));
      const parsed = ListQuery.safeParse(given);
      if (!parsed.success) throw new InvalidQueryError(toBodyIssues(parsed.error));
      const { action, agent, limit } = parsed.data;
      return c.json({ snapshots: await snapshots.list({ actionId: action, agentId: agent, limit }) });
    })
    .get('/:id', async (c) => c.json(await snapshots.get(c.req.param('id'))));
}
