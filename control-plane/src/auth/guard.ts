import { createRequire } from 'node:module';
import type { Hono } from 'hono';
import { auditing, type BeforeLoaders } from '../audit/audit-middleware.js';
import { auditRoutes } from '../audit/audit-routes.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { actionsPerTarget, requestLimits, revivalPerTarget, type ResolvedLimits } from '../limits/limits.js';
import type { Store } from '../store/store.js';
import { openApiDocument } from '../openapi/openapi.js';
import type { ApiTokens } from './api-tokens.js';
import { authentication, type Authenticator } from './authenticate.js';
import { tokensRoutes } from './tokens-routes.js';

const { version: VERSION } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Everything that stands between a request and the API's routes; built once by startControlPlane. */
export interface ApiSecurity {
  auth: Authenticator;
  audit: { trail: AuditTrail; before: BeforeLoaders };
  limits: ResolvedLimits;
  store: Store;
  now: () => Date;
  log: (line: string) => void;
}

/**
 * Puts the security layer in front of the API's routes (call it on the /api/v1 app before any
 * route is added) and adds the routes it owns. Without `security` (in-process tests, embedding)
 * the API is open, as before.
 */
export function guardApi<A extends Hono<any>>(api: A, security: ApiSecurity | undefined): A {
  let document: Record<string, unknown> | undefined;
  api.get('/openapi.json', (c) => c.json((document ??= openApiDocument(VERSION))));
  if (security === undefined) return api;
  for (const limit of requestLimits(security.limits)) api.use('*', limit);
  // Auditing wraps authentication, so it also sees the requests refused for their role.
  api.use('*', auditing(security.audit.trail, security.audit.before, security.log));
  api.use('*', authentication(security.auth));
  api.post('/actions', actionsPerTarget(security.store, security.limits.maxActionsPerTarget));
  api.patch('/actions/:id', revivalPerTarget(security.store, security.limits.maxActionsPerTarget));
  api.route('/', tokensRoutes(security.auth.tokens as ApiTokens, security.now));
  api.route('/', auditRoutes(security.audit.trail));
  return api;
}
