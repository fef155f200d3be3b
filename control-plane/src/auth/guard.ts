import type { Hono } from 'hono';
import type { ApiTokens } from './api-tokens.js';
import { authentication, type Authenticator } from './authenticate.js';
import { tokensRoutes } from './tokens-routes.js';

/** Everything that stands between a request and the API's routes; built once by startControlPlane. */
export interface ApiSecurity {
  auth: Authenticator;
  now: () => Date;
}

/**
 * Puts the security layer in front of the API's routes (call it on the /api/v1 app before any
 * route is added) and adds the routes it owns. Without `security` (in-process tests, embedding)
 * the API is open, as before.
 */
export function guardApi<A extends Hono<any>>(api: A, security: ApiSecurity | undefined): A {
  if (security === undefined) return api;
  api.use('*', authentication(security.auth));
  api.route('/', tokensRoutes(security.auth.tokens as ApiTokens, security.now));
  return api;
}
