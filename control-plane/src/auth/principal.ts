import type { Role } from './roles.js';

/** Who is making a request, as the audit trail records it. */
export interface Principal {
  /** `token` (an API token), `oidc` (an identity provider's JWT), `anonymous` (auth is off) or `system`. */
  kind: 'token' | 'oidc' | 'anonymous' | 'system';
  /** The token id, or the JWT's `sub`. */
  id: string;
  /** Human-readable: the token's name, or the JWT's email / preferred_username / sub. */
  name: string;
  role: Role;
}

export const ANONYMOUS: Principal = { kind: 'anonymous', id: 'anonymous', name: 'anonymous (authentication is off)', role: 'admin' };
