import { defined, errorMessage } from '@liveprobe/protocol/util';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { AuthVariables } from '../auth/authenticate.js';
import type { AuditTrail, NewAuditEntry } from './audit-trail.js';

/** Reads a resource's current state by id, for the `before` of an entry; by resource name (`actions`, `tokens`). */
export type BeforeLoaders = Record<string, (id: string) => Promise<unknown>>;

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

/**
 * Mounted outside authentication on /api/v1/*: records every change that succeeded, and every
 * change refused for lack of a role, with who, from where, and the state before and after.
 * Reads are not recorded. New routes are covered without a change here: the entry's action is
 * named after the path, `POST /actions` → `action.create`, `POST /actions/{id}/pause` → `action.pause`.
 */
export function auditing(
  trail: AuditTrail,
  loaders: BeforeLoaders,
  log: (line: string) => void,
  apiPrefix = '/api/v1',
): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const method = c.req.method;
    if (VERBS[method] === undefined) return next();
    const [resource = '', rawId, sub] = c.req.path
      .slice(apiPrefix.length)
      .split('/')
      .filter((s) => s !== '');
    const id = rawId === undefined ? undefined : decodeURIComponent(rawId);
    const load = loaders[resource];
    const before = id !== undefined && load !== undefined ? await load(id).catch(() => undefined) : undefined;

    await next();

    const principal = c.get('principal');
    const status = c.res.status;
    // No principal: the request was not authenticated (401) and is no one's change.
    if (principal === undefined || (status >= 400 && status !== 403)) return;
    const after =
      status < 300 && method !== 'DELETE'
        ? redactSecrets(
            await c.res
              .clone()
              .json()
              .catch(() => undefined),
          )
        : undefined;
    const target = id ?? createdId(after);
    const entry: NewAuditEntry = {
      actor: principal,
      action: `${resource.replace(/s$/, '')}.${sub ?? (resource === 'tokens' && method === 'DELETE' ? 'revoke' : VERBS[method])}`,
      outcome: status === 403 ? 'denied' : 'ok',
      ...defined({ target }),
      request: `${method} ${c.req.path}`,
      source: peerAddress(c),
      ...optional('forwardedFor', c.req.header('x-forwarded-for')),
      ...optional('userAgent', c.req.header('user-agent')),
      ...defined({ before, after }),
    };
    try {
      await trail.record(entry);
    } catch (err) {
      // The change itself is done; say loudly that its record is missing.
      log(`AUDIT: could not record ${entry.action} by ${principal.name}: ${errorMessage(err)}`);
    }
  };
}

function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'in-process'; // app.request() in tests and embedders: there is no socket
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, string>);
}

/** `{action: {id}}`, `{token: {id}}`: the id of what a create made. */
function createdId(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  for (const value of Object.values(body)) {
    if (value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string')
      return (value as { id: string }).id;
  }
  return typeof (body as { id?: unknown }).id === 'string' ? (body as { id: string }).id : undefined;
}

/** Token secrets are shown to their creator once and must not be kept anywhere, the audit trail included. */
function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, key === 'secret' ? '[redacted]' : redactSecrets(v)]));
}
