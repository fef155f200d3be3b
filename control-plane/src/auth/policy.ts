import type { Role } from './roles.js';

/** Paths under /api/v1 anyone may read: liveness and the API's own description. */
const PUBLIC = new Set(['/healthz', '/openapi.json']);
/** Paths under /api/v1 only admins may touch, reading included. */
const ADMIN_PREFIXES = ['/tokens', '/audit'];

/**
 * The role a request needs, from its method and its path below /api/v1; undefined for public
 * paths. Reading is for viewers, changing for editors, tokens and the audit trail for admins.
 * New routes fall under the same rule without a change here.
 */
export function requiredRole(method: string, path: string): Role | undefined {
  if (PUBLIC.has(path)) return undefined;
  if (ADMIN_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return 'admin';
  if (path === '/whoami') return 'viewer';
  return method === 'GET' || method === 'HEAD' ? 'viewer' : 'editor';
}
