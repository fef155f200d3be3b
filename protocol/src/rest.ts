/**
 * What the control plane's REST API answers, written once: the control plane builds these
 * shapes, its OpenAPI document is generated from them, and the CLI, the portal, the editor
 * plugin and the benchmarks read them through the inferred types.
 */
import { z } from 'zod';
import { Action } from './action.js';
import { ActionState, ActionStatusEvent, AgentOnline, DroppedEvent, Location, OutputEvent } from './agent.js';
import { SnapshotEvent } from './snapshot.js';

/** Each role can do what the ones before it can; `agent` is for MQTT only (no REST route takes it). */
export const ROLES = ['agent', 'viewer', 'editor', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const BodyIssue = z.object({
  path: z.string().meta({ description: 'the field, e.g. `template` or `watches.0`' }),
  message: z.string(),
});
export type BodyIssue = z.infer<typeof BodyIssue>;

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().meta({ description: 'stable machine-readable code, e.g. invalid_body, unauthenticated, forbidden, rate_limited' }),
    message: z.string().meta({ description: 'what went wrong and what to do about it' }),
    issues: z.array(BodyIssue).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const ActionStatusView = z.object({
  agentId: z.string(),
  state: ActionState,
  message: z.string().optional(),
  location: Location.optional(),
  time: z.string(),
  hits: z.number().int(),
});
/** What one agent reported about an action. */
export type ActionStatusView = z.infer<typeof ActionStatusView>;

export const ActionView = z.intersection(
  Action,
  z.object({
    state: z
      .enum(['active', 'expired', 'disabled'])
      .meta({ description: '`disabled`: kept with its hits and history, but on no agent until enabled again' }),
    statuses: z.array(ActionStatusView),
    summary: z
      .string()
      .meta({ description: 'e.g. "installed on 3/4 agents; 1 error"; a disabled action: "off every agent" once no agent runs it' }),
  }),
);
/** An action as the REST API shows it: what was asked, and what the agents made of it. */
export type ActionView = z.infer<typeof ActionView>;

export const CreatedAction = z.object({ action: ActionView, warnings: z.array(z.string()) });
export type CreatedAction = z.infer<typeof CreatedAction>;

export const AgentView = AgentOnline.omit({ state: true }).extend({ online: z.boolean(), lastSeen: z.string() });
export type AgentView = z.infer<typeof AgentView>;

export const SnapshotSummary = z.object({
  id: z.string(),
  actionId: z.string(),
  agentId: z.string(),
  time: z.string(),
  location: z.object({ file: z.string(), line: z.number().int(), function: z.string().optional() }),
  stallMs: z.number().meta({ description: "how long the app's main thread stalled for the capture, in milliseconds" }),
  truncated: z.boolean().meta({ description: 'whether a size limit cut some captured values short' }),
});
/** What a list of snapshots shows of each: enough to pick one, none of the captured values. */
export type SnapshotSummary = z.infer<typeof SnapshotSummary>;

export const SnapshotRecord = SnapshotEvent.omit({ kind: true });
/** A stored snapshot in full: the agent's event without its `kind`. */
export type SnapshotRecord = z.infer<typeof SnapshotRecord>;

export const SnapshotNotice = SnapshotSummary.extend({ kind: z.literal('snapshot') });
/** A snapshot as the live stream announces it; the captured values are at `GET /snapshots/{id}`. */
export type SnapshotNotice = z.infer<typeof SnapshotNotice>;

export const LiveEvent = z.discriminatedUnion('kind', [ActionStatusEvent, OutputEvent, DroppedEvent, SnapshotNotice]);
/** What `GET /api/v1/events` streams: agent events as received (heartbeats only update `last seen`), snapshots as notices. */
export type LiveEvent = z.infer<typeof LiveEvent>;

export const Principal = z.object({
  kind: z
    .enum(['token', 'oidc', 'anonymous', 'system'])
    .meta({ description: 'an API token, an identity provider JWT, no authentication, or the control plane itself' }),
  id: z.string().meta({ description: "the token id, or the JWT's `sub`" }),
  name: z.string().meta({ description: "the token's name, or the JWT's email / preferred_username / sub" }),
  role: Role,
});
/** Who is making a request, as the audit trail records it. */
export type Principal = z.infer<typeof Principal>;

export const TokenView = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().optional(),
  lastUsedAt: z.string().optional(),
  tags: z
    .array(z.string())
    .optional()
    .meta({ description: 'agent tokens only: the tags whose desired state the agent may read (`*`: all)' }),
  agents: z
    .array(z.string())
    .optional()
    .meta({ description: 'agent tokens only: the agent ids (MQTT client ids) it may connect as: `id`, `prefix*`, or `*`' }),
});
export type TokenView = z.infer<typeof TokenView>;

export const CreatedToken = z.object({
  token: TokenView,
  secret: z.string().meta({ description: 'the bearer secret (lpt_…), returned only here' }),
});
export type CreatedToken = z.infer<typeof CreatedToken>;

export const AuditEntry = z.object({
  id: z.string(),
  time: z.string(),
  actor: Principal,
  action: z.string().meta({ description: 'action.create, action.delete, token.create, token.revoke, …' }),
  outcome: z.enum(['ok', 'denied']).meta({ description: "`denied` when the caller's role did not allow it" }),
  target: z.string().optional().meta({ description: 'the id of what changed, when there is one' }),
  request: z.string().meta({ description: '`METHOD /path` as received' }),
  source: z.string().meta({ description: 'the peer address of the connection' }),
  forwardedFor: z.string().optional().meta({ description: 'the X-Forwarded-For header as sent (informational: any client can set it)' }),
  userAgent: z.string().optional(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

// The list and confirmation bodies, so a client names them instead of re-typing their fields.
export const ActionList = z.object({ actions: z.array(ActionView) });
/** `GET /actions`, newest first. */
export type ActionList = z.infer<typeof ActionList>;
export const DeletedAction = z.object({ deleted: z.string().meta({ description: 'the id of the action removed' }) });
export type DeletedAction = z.infer<typeof DeletedAction>;
export const AgentList = z.object({ agents: z.array(AgentView) });
/** `GET /agents`, online first. */
export type AgentList = z.infer<typeof AgentList>;
export const SnapshotList = z.object({ snapshots: z.array(SnapshotSummary) });
/** `GET /snapshots`, newest first. */
export type SnapshotList = z.infer<typeof SnapshotList>;
export const TokenList = z.object({ tokens: z.array(TokenView) });
/** `GET /tokens`: the active tokens, without secrets. */
export type TokenList = z.infer<typeof TokenList>;
export const RevokedToken = z.object({ revoked: z.string().meta({ description: 'the id of the token revoked' }) });
export type RevokedToken = z.infer<typeof RevokedToken>;
export const AuditPage = z.object({
  entries: z.array(AuditEntry),
  next: z.string().optional().meta({ description: 'pass as `before` for the next page; absent on the last one' }),
});
/** `GET /audit`, newest first. */
export type AuditPage = z.infer<typeof AuditPage>;
