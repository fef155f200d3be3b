import { errorMessage } from '@liveprobe/protocol/util';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { redactUrl, redactUrlsIn } from '@liveprobe/protocol';
import { ControlPlaneError } from '../errors.js';
import { NoRoleError, UnauthenticatedError } from './auth-errors.js';
import type { Principal } from './principal.js';
import { highestRole } from './roles.js';

export interface OidcOptions {
  /** The `iss` every token must carry, e.g. `https://login.example.com/realms/acme`. */
  issuer: string;
  /** The `aud` every token must include, e.g. the client id registered for liveprobe. */
  audience: string;
  /** Dotted path of the claim holding the role(s), e.g. `roles` or `realm_access.roles`. Default `roles`. */
  roleClaim?: string;
  /** Where the signing keys are; default: `jwks_uri` from the issuer's OpenID discovery document. */
  jwksUrl?: string;
}

export class IdentityProviderUnavailableError extends ControlPlaneError {
  constructor(url: string, reason: string) {
    super(
      'idp_unavailable',
      `cannot read the identity provider's keys from ${redactUrl(url)} (${redactUrlsIn(reason)}); check --oidc-issuer / --oidc-jwks-url and that the control plane can reach it`,
    );
  }
}

/** Accepted clock skew between the identity provider and the control plane. */
const CLOCK_TOLERANCE_S = 5;

/**
 * Validates identity provider JWTs with jose: signature against the provider's JWKS (fetched
 * and cached by jose, refetched when an unknown key id shows up), issuer, audience, expiry.
 */
export class OidcVerifier {
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private readonly roleClaim: string;

  constructor(private readonly options: OidcOptions) {
    this.roleClaim = options.roleClaim ?? 'roles';
  }

  async authenticate(jwt: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, await this.keys(), {
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (err) {
      throw this.explain(err);
    }
    const role = highestRole(claimValues(payload, this.roleClaim));
    const subject = typeof payload.sub === 'string' ? payload.sub : '(no sub)';
    const name = [payload.email, payload.preferred_username, payload.sub].find((v): v is string => typeof v === 'string') ?? subject;
    if (role === undefined) throw new NoRoleError(name, this.roleClaim);
    return { kind: 'oidc', id: subject, name, role };
  }

  private async keys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.jwks !== undefined) return this.jwks;
    const url = this.options.jwksUrl ?? (await this.discover());
    this.jwks = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000 });
    return this.jwks;
  }

  private async discover(): Promise<string> {
    const url = `${this.options.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: unknown };
      if (typeof jwksUri !== 'string') throw new Error('the discovery document has no jwks_uri');
      return jwksUri;
    } catch (err) {
      throw new IdentityProviderUnavailableError(url, errorMessage(err));
    }
  }

  private explain(err: unknown): Error {
    if (err instanceof ControlPlaneError) return err;
    if (err instanceof errors.JWTExpired) return new UnauthenticatedError("the identity provider's token has expired");
    if (err instanceof errors.JWTClaimValidationFailed) {
      return new UnauthenticatedError(
        `the identity provider's token was refused: ${err.claim} ${err.reason === 'check_failed' ? 'does not match' : err.reason} (expected issuer ${this.options.issuer}, audience ${this.options.audience})`,
      );
    }
    if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWSSignatureVerificationFailed) {
      return new UnauthenticatedError('the token is not signed by a key of the configured identity provider');
    }
    if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
      return new IdentityProviderUnavailableError(this.options.jwksUrl ?? this.options.issuer, err.message);
    }
    if (err instanceof errors.JOSEError) return new UnauthenticatedError(`the bearer token is not a valid JWT (${err.message})`);
    // fetch failures reaching the JWKS endpoint
    return new IdentityProviderUnavailableError(this.options.jwksUrl ?? this.options.issuer, errorMessage(err));
  }
}

/** Values of a dotted claim path; a space-separated string counts as several (OAuth `scope` style). */
function claimValues(payload: JWTPayload, path: string): unknown[] {
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return [];
    value = (value as Record<string, unknown>)[key];
  }
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return value.split(/\s+/);
  return [];
}
