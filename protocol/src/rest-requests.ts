/**
 * What the control plane's REST API accepts besides actions (action.ts, action-patch.ts),
 * written once: the control plane validates requests with these, its OpenAPI document is
 * generated from them, and clients type what they send with the inferred input types.
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { Tag } from './names.js';
import { Role } from './rest.js';

/**
 * Which MQTT client ids (agent ids) an agent token may connect as: exact ids (`shop-1`), or
 * prefixes ending in `*` (`checkout-*`, which a Kubernetes deployment's pod names and so the
 * agents' default ids `<hostname>-<pid>-<hex>` start with). `*` alone allows any id.
 */
export const AgentIdPattern = z
  .string()
  .regex(
    /^(\*|[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\*?)$/,
    'an agent id (letters, digits, `.`, `_`, `:`, `-`, starting with a letter or digit), a prefix ending in `*` such as `checkout-*`, or `*` for any id',
  );

/** The body of `POST /api/v1/tokens`. */
export const TokenInput = z
  .object({
    name: z.string().trim().min(1, 'name the token after who or what uses it, e.g. "ci-deploy"').max(100),
    role: Role,
    /** Agent tokens: the tags whose desired state the agent may read over MQTT; `*` for all. */
    tags: z
      .array(z.union([Tag, z.literal('*')]))
      .max(100)
      .optional(),
    /** Agent tokens: the agent ids (MQTT client ids) the agent may connect as: `id`, `prefix*`, or `*`. */
    agents: z.array(AgentIdPattern).min(1).max(100).optional(),
    expiresIn: z
      .string()
      .refine((text) => parseDuration(text) !== undefined, 'not a duration; write e.g. 12h, 30d')
      .optional(),
  })
  .strict()
  .refine((t) => t.tags === undefined || t.role === 'agent', {
    path: ['tags'],
    message: 'only agent tokens have tags; they scope what an agent may read over MQTT',
  })
  .refine((t) => t.agents === undefined || t.role === 'agent', {
    path: ['agents'],
    message: 'only agent tokens have agent ids; they say which agents a token may connect as over MQTT',
  })
  .refine((t) => t.agents !== undefined || t.role !== 'agent', {
    path: ['agents'],
    message:
      'an agent token names the agent ids it may connect as (its MQTT client id is its agent id): an id such as "shop-1", a prefix such as "checkout-*", or "*" for any (CLI: --agent)',
  });
/** What a client sends to create a token. */
export type TokenInput = z.input<typeof TokenInput>;

export const MAX_AUDIT_PAGE = 500;

/** The query of `GET /api/v1/audit`. */
export const AuditQueryInput = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_AUDIT_PAGE).default(100),
    before: z.string().optional().meta({ description: "an entry's id: the page starts after it (the `next` of the page before)" }),
    actor: z.string().optional(),
    action: z.string().optional(),
  })
  .strict();
export type AuditQueryInput = z.input<typeof AuditQueryInput>;

export const DEFAULT_SNAPSHOT_PAGE = 50;
export const MAX_SNAPSHOT_PAGE = 500;

/** The query of `GET /api/v1/snapshots`; an empty parameter means no filter, as in a form left blank. */
export const SnapshotListQuery = z.object({
  action: z.string().min(1).optional(),
  agent: z.string().min(1).optional(),
  limit: z.coerce
    .number()
    .int('a whole number')
    .min(1, 'at least 1')
    .max(MAX_SNAPSHOT_PAGE, `at most ${MAX_SNAPSHOT_PAGE}`)
    .default(DEFAULT_SNAPSHOT_PAGE),
});
export type SnapshotListQuery = z.input<typeof SnapshotListQuery>;

/** The query of `GET /api/v1/events`: only one action's or one agent's events; an empty parameter means no filter. */
export const EventsQuery = z.object({
  action: z.string().optional().meta({ description: 'an action id' }),
  agent: z.string().optional().meta({ description: 'an agent id' }),
});
export type EventsQuery = z.input<typeof EventsQuery>;
