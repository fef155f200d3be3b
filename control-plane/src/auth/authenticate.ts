import type { MiddlewareHandler } from 'hono';
import type { ApiTokens } from './api-tokens.js';
import { TOKEN_PREFIX } from './api-tokens.js';
import { ForbiddenError, UnauthenticatedError } from './auth-errors.js';
import { IdentityProviderUnavailableError, type OidcVerifier } from './oidc.js';
import { requiredRole } from './policy.js';
import { ANONYMOUS, type Principal } from './principal.js';
import { hasRole } from './roles.js';

export interface Authenticator {
  /** False only when authentication was switched off (`--auth off`, loopback only). */
  enabled: boolean;
  tokens: ApiTokens;
  oidc?: OidcVerifier | undefined;
}

/**
 * What handlers below the auth middleware find on the context. `stillValid` checks the
 * request's credential again (revoked? expired?), for responses that outlive the moment they
 * were authorized: the live event stream.
 */
export type AuthVariables = { principal: Principal; stillValid?: () => Promise<boolean> };

/**
 * Mounted on /api/v1/*: identifies the caller from `Authorization: Bearer …` (an API token, or
 * an identity provider's JWT when OIDC is configured) and checks the role the route needs.
 */
export function authentication(auth: Authenticator, apiPrefix = '/api/v1'): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const path = c.req.path.slice(apiPrefix.length) || '/';
    const needed = requiredRole(c.req.method, path);
    if (needed === undefined) return next();
    const principal = auth.enabled
      ? await identify(auth, c.req.header('authorization')).catch((err: unknown) => {
          if (err instanceof UnauthenticatedError) c.header('WWW-Authenticate', 'Bearer realm="liveprobe"');
          throw err;
        })
      : ANONYMOUS;
    // Set before the role check, so the audit trail knows who was refused.
    c.set('principal', principal);
    if (auth.enabled) {
      const header = c.req.header('authorization');
      c.set('stillValid', () =>
        identify(auth, header).then(
          () => true,
          // An identity provider that cannot be reached for a moment has not revoked anyone.
          (err: unknown) => err instanceof IdentityProviderUnavailableError,
        ),
      );
    }
    if (!hasRole(principal.role, needed))
      throw new ForbiddenError(describe(principal), principal.role, needed, `${c.req.method} ${c.req.path}`);
    return next();
  };
}

async function identify(auth: Authenticator, header: string | undefined): Promise<Principal> {
  if (header === undefined || header.trim() === '') throw new UnauthenticatedError('this request has no token');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) throw new UnauthenticatedError('the Authorization header is not `Bearer <token>`');
  const credential = match[1] as string;
  if (credential.startsWith(TOKEN_PREFIX)) {
    const principal = await auth.tokens.authenticate(credential);
    if (principal === undefined) throw new UnauthenticatedError('the API token is unknown, revoked or expired');
    return principal;
  }
  if (auth.oidc !== undefined && credential.split('.').length === 3) return auth.oidc.authenticate(credential);
  throw new UnauthenticatedError(
    auth.oidc === undefined
      ? `the bearer token is not a liveprobe API token (they start with ${TOKEN_PREFIX}), and single sign-on is not configured`
      : 'the bearer token is neither a liveprobe API token nor a JWT',
  );
}

function describe(principal: Principal): string {
  return principal.kind === 'token'
    ? `the API token "${principal.name}" (${principal.id})`
    : principal.kind === 'oidc'
      ? `${principal.name} (single sign-on)`
      : principal.name;
}
