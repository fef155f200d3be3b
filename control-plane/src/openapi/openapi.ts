import { z } from 'zod';
import {
  ActionInput,
  ActionList,
  ActionPatch,
  ActionView,
  AgentList,
  AuditPage,
  AuditQueryInput,
  CreatedAction,
  CreatedToken,
  DeletedAction,
  ErrorBody,
  EventsQuery,
  LiveEvent,
  Principal,
  RevokedToken,
  SnapshotList,
  SnapshotListQuery,
  SnapshotRecord,
  TokenInput,
  TokenList,
  TokenView,
} from '@liveprobe/protocol';
import { requiredRole } from '../auth/policy.js';

interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI path template below /api/v1, e.g. `/actions/{id}`. */
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  /** The success status and its body; `sse` for an event stream. */
  ok: [number, z.ZodType | 'sse'];
}

const OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/actions',
    summary: 'create an action',
    body: ActionInput,
    ok: [201, CreatedAction],
  },
  { method: 'get', path: '/actions', summary: 'list actions, newest first', ok: [200, ActionList] },
  { method: 'get', path: '/actions/{id}', summary: 'one action with each agent’s status', ok: [200, ActionView] },
  {
    method: 'patch',
    path: '/actions/{id}',
    summary:
      'edit an action (condition, template, level, outputs, watches, rate, an exception action’s filters, hit limit, expiry) or disable/enable it; hits and history stay',
    body: ActionPatch,
    ok: [200, CreatedAction],
  },
  { method: 'delete', path: '/actions/{id}', summary: 'remove an action from every agent', ok: [200, DeletedAction] },
  {
    method: 'get',
    path: '/agents',
    summary: 'agents that have connected, online first',
    ok: [200, AgentList],
  },
  {
    method: 'get',
    path: '/events',
    summary: 'live agent events as server-sent events, named by kind',
    query: EventsQuery,
    ok: [200, 'sse'],
  },
  {
    method: 'get',
    path: '/snapshots',
    summary: 'snapshot summaries, newest first',
    query: SnapshotListQuery,
    ok: [200, SnapshotList],
  },
  { method: 'get', path: '/snapshots/{id}', summary: 'one snapshot with everything captured', ok: [200, SnapshotRecord] },
  {
    method: 'post',
    path: '/tokens',
    summary: 'create an API token; the secret is in this response only',
    body: TokenInput,
    ok: [201, CreatedToken],
  },
  {
    method: 'get',
    path: '/tokens',
    summary: 'active API tokens, without secrets',
    ok: [200, TokenList],
  },
  { method: 'get', path: '/tokens/{id}', summary: 'one active API token', ok: [200, TokenView] },
  { method: 'delete', path: '/tokens/{id}', summary: 'revoke an API token, at once', ok: [200, RevokedToken] },
  { method: 'get', path: '/whoami', summary: 'who the API takes the caller for', ok: [200, Principal] },
  {
    method: 'get',
    path: '/audit',
    summary: 'the audit trail, newest first; `next` pages on',
    query: AuditQueryInput,
    ok: [200, AuditPage],
  },
  { method: 'get', path: '/healthz', summary: 'liveness', ok: [200, z.object({ ok: z.literal(true) })] },
  { method: 'get', path: '/openapi.json', summary: 'this document', ok: [200, z.object({})] },
];

const ERRORS: Record<string, string> = {
  '400': 'invalid_body, invalid_json or invalid_query',
  '401': 'unauthenticated: no token, or an unknown, revoked or expired one',
  '403': 'forbidden: the caller’s role does not allow this',
  '404': 'not_found',
  '409': 'too_many_actions: a target already has the most live actions allowed',
  '413': 'payload_too_large',
  '429': 'rate_limited (see Retry-After)',
};

/** Every path template the document describes, for the test that keeps it in step with the routes. */
export const DOCUMENTED_OPERATIONS = OPERATIONS.map((o) => `${o.method.toUpperCase()} ${o.path}`);

/** OpenAPI 3.1 for /api/v1, generated from the zod schemas (JSON Schema 2020-12, which 3.1 uses). */
export function openApiDocument(version: string): Record<string, unknown> {
  const schema = (type: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(type, { io, unrepresentable: 'any', target: 'draft-2020-12' });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const role = requiredRole(op.method.toUpperCase(), op.path.replace(/\{(\w+)\}/g, 'x'));
    const parameters = [
      ...[...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(op.query?.shape ?? {}).map(([name, field]) => ({
        name,
        in: 'query',
        required: false,
        schema: schema(field as z.ZodType, 'input'),
      })),
    ];
    const [status, body] = op.ok;
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      ...(role === undefined ? { security: [] } : { description: `Needs the role **${role}** or above.`, 'x-liveprobe-role': role }),
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(op.body === undefined
        ? {}
        : { requestBody: { required: true, content: { 'application/json': { schema: schema(op.body, 'input') } } } }),
      responses: {
        [String(status)]:
          body === 'sse'
            ? {
                description: 'text/event-stream; each event is named by its kind, its data is one of these',
                content: { 'text/event-stream': { schema: schema(LiveEvent, 'output') } },
              }
            : { description: 'success', content: { 'application/json': { schema: schema(body, 'output') } } },
        ...Object.fromEntries(
          Object.entries(ERRORS).map(([code, description]) => [code, { $ref: `#/components/responses/E${code}`, description }]),
        ),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'liveprobe control plane',
      version,
      description: 'Add logs, snapshots and metrics to running Node.js code. See docs/api.md and docs/api-reference.md.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (lpt_…) or, with single sign-on configured, an identity provider’s JWT.',
        },
      },
      responses: Object.fromEntries(
        Object.entries(ERRORS).map(([code, description]) => [
          `E${code}`,
          { description, content: { 'application/json': { schema: schema(ErrorBody, 'output') } } },
        ]),
      ),
    },
  };
}
