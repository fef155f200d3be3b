import { Hono } from 'hono';
import { z } from 'zod';
import { toBodyIssues } from '../body-issues.js';
import { InvalidQueryError } from '../errors.js';
import type { AuditTrail } from '../audit/audit-trail.js';

export const MAX_AUDIT_PAGE = 500;

/** The query of `GET /api/v1/audit`. */
export const AuditQueryInput = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(100),
    before: z.string().optional(),
    actor: z.string().optional(),
    action: z.string().optional(),
  })
  .strict();

/** `GET /audit` (admins only, see auth/policy.ts): newest first; `next` pages on. */
export function auditRoutes(trail: AuditTrail): Hono {
  return new Hono().get('/audit', async (c) => {
    const parsed = AuditQueryInput.safeParse(c.req.query());
    if (!parsed.success) throw new InvalidQueryError(toBodyIssues(parsed.error));
    const entries = await trail.list(parsed.data);
    const last = entries.at(-1);
    return c.json({ entries, ...(entries.length === parsed.data.limit && last !== undefined ? { next: last.id } : {}) });
  });
}
