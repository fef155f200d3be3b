import type { Kysely } from 'kysely';
import type { BeforeLoaders } from '../audit/audit-middleware.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { otelAuditSink } from '../audit/otel-audit.js';
import type { ResolvedLimits } from '../limits/limits.js';
import type { ResolvedOptions } from '../options.js';
import type { Store } from '../store/store.js';
import { ApiTokens } from './api-tokens.js';
import type { Authenticator } from './authenticate.js';
import { OidcVerifier } from './oidc.js';

/** Everything that stands between a request and the API's routes (mounted by http/app.ts). */
export interface ApiSecurity {
  auth: Authenticator;
  audit: { trail: AuditTrail; before: BeforeLoaders };
  limits: ResolvedLimits;
  store: Store;
  now: () => Date;
  log: (line: string) => void;
}

export interface SecuritySetup {
  security: ApiSecurity;
  /** The secret of the admin token created because none existed; print it once. */
  firstAdminToken?: string;
}

export const FIRST_ADMIN_TOKEN_NAME = 'first admin';

export async function setUpSecurity(
  config: ResolvedOptions,
  db: Kysely<any>,
  store: Store,
  now: () => Date,
  before: BeforeLoaders,
  env: NodeJS.ProcessEnv,
): Promise<SecuritySetup> {
  const tokens = new ApiTokens(db, now);
  before.tokens ??= (id) => tokens.get(id);
  const sink = await otelAuditSink(env);
  const { mode, oidc } = config.auth;
  const security: ApiSecurity = {
    auth: { enabled: mode === 'tokens', tokens, oidc: oidc === undefined ? undefined : new OidcVerifier(oidc) },
    audit: { trail: new AuditTrail(db, now, sink === undefined ? [] : [sink]), before },
    limits: config.limits,
    store,
    now,
    log: config.log,
  };
  if (sink !== undefined) config.log('audit entries also go out as OpenTelemetry log records (OTEL_EXPORTER_OTLP_* is set)');
  if (mode === 'off') {
    config.log(
      'AUTHENTICATION IS OFF: anyone who can reach this API can read variables out of your processes; fine on a laptop, never on a shared host',
    );
    return { security };
  }
  if (!config.auth.firstAdminToken || (await tokens.hasActiveAdmin())) return { security };
  const { secret } = await tokens.create({ name: FIRST_ADMIN_TOKEN_NAME, role: 'admin', createdBy: 'liveprobe up (first start)' });
  return { security, firstAdminToken: secret };
}
