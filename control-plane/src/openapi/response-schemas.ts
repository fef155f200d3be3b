import { z } from 'zod';
import { Action, ActionState, AgentEvent, AgentOnline, Location, SnapshotEvent } from '@liveprobe/protocol';
import { Role } from '../auth/roles.js';

// Response shapes for the OpenAPI document. Request bodies come from the schemas the routes
// validate with (ActionInput, TokenInput, AuditQueryInput); these describe what comes back.

export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string().meta({ description: 'stable machine-readable code, e.g. invalid_body, unauthenticated, forbidden, rate_limited' }),
    message: z.string().meta({ description: 'what went wrong and what to do about it' }),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export const ActionViewSchema = z.intersection(
  Action,
  z.object({
    state: z.enum(['active', 'expired']),
    statuses: z.array(
      z.object({
        agentId: z.string(),
        state: ActionState,
        message: z.string().optional(),
        location: Location.optional(),
        time: z.string(),
        hits: z.number().int(),
      }),
    ),
    summary: z.string(),
  }),
);

export const AgentViewSchema = AgentOnline.omit({ state: true }).extend({ online: z.boolean(), lastSeen: z.string() });

export const SnapshotSummarySchema = z.object({
  id: z.string(),
  actionId: z.string(),
  agentId: z.string(),
  time: z.string(),
  location: z.object({ file: z.string(), line: z.number().int(), function: z.string().optional() }),
  stallMs: z.number(),
  truncated: z.boolean(),
});

export const SnapshotRecordSchema = SnapshotEvent.omit({ kind: true });

export const LiveEventSchema = AgentEvent;

export const PrincipalSchema = z.object({
  kind: z.enum(['token', 'oidc', 'anonymous', 'system']),
  id: z.string(),
  name: z.string(),
  role: Role,
});

export const TokenViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().optional(),
  lastUsedAt: z.string().optional(),
  tags: z.array(z.string()).optional(),
  agents: z.array(z.string()).optional(),
});

export const CreatedTokenSchema = z.object({
  token: TokenViewSchema,
  secret: z.string().meta({ description: 'the bearer secret (lpt_…), returned only here' }),
});

export const AuditEntrySchema = z.object({
  id: z.string(),
  time: z.string(),
  actor: PrincipalSchema,
  action: z.string().meta({ description: 'action.create, action.delete, token.create, token.revoke, …' }),
  outcome: z.enum(['ok', 'denied']),
  target: z.string().optional(),
  request: z.string(),
  source: z.string(),
  forwardedFor: z.string().optional(),
  userAgent: z.string().optional(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
