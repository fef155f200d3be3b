import { Hono } from 'hono';
import { AuditQueryInput, type AuditPage } from '@liveprobe/protocol';
import { toBodyIssues } from '../body-issues.js';
import { InvalidQueryError } from '../errors.js';
import type { AuditTrail } from '../audit/audit-trail.js';

/** `GET /audit` (admins only, see auth/policy.ts): newest first; `next` pages on. */
export function auditRoutes(trail: AuditTrail): Hono {
  return new Hono().get('/audit', async (c) => {
    const parsed = AuditQueryInput.safeParse(c.req.query());
    if (!parsed.success) throw new InvalidQueryError(toBodyIssues(parsed.error));
    const entries = await trail.list(parsed.data);
    const last = entries.at(-1);
    const page: AuditPage = { entries, ...(entries.length === parsed.data.limit && last !== undefined ? { next: last.id } : {}) };
    return c.json(page);
  });
}
