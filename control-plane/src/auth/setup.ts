import type { Kysely } from 'kysely';
import type { ResolvedOptions } from '../options.js';
import { ApiTokens } from './api-tokens.js';
import type { ApiSecurity } from './guard.js';
import { OidcVerifier } from './oidc.js';

export interface SecuritySetup {
  security: ApiSecurity;
  /** The secret of the admin token created because none existed; print it once. */
  firstAdminToken?: string;
}

export const FIRST_ADMIN_TOKEN_NAME = 'first admin';

export async function setUpSecurity(config: ResolvedOptions, db: Kysely<any>, now: () => Date): Promise<SecuritySetup> {
  const tokens = new ApiTokens(db, now);
  const { mode, oidc } = config.auth;
  const security: ApiSecurity = {
    auth: { enabled: mode === 'tokens', tokens, oidc: oidc === undefined ? undefined : new OidcVerifier(oidc) },
    now,
  };
  if (mode === 'off') {
    config.log('AUTHENTICATION IS OFF: anyone who can reach this API can read variables out of your processes; fine on a laptop, never on a shared host');
    return { security };
  }
  if (!config.auth.firstAdminToken || (await tokens.hasActiveAdmin())) return { security };
  const { secret } = await tokens.create({ name: FIRST_ADMIN_TOKEN_NAME, role: 'admin', createdBy: 'liveprobe up (first start)' });
  return { security, firstAdminToken: secret };
}
