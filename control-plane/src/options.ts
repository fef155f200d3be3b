import { resolve } from 'node:path';
import { DEFAULT_TOPIC_PREFIX, redactUrl } from '@liveprobe/protocol';
import { InvalidOptionError } from './errors.js';
import type { OidcOptions } from './auth/oidc.js';
import { DEFAULT_LIMITS, type LimitOptions, type ResolvedLimits } from './limits/limits.js';
import { isPostgresUrl } from './store/postgres.js';

export interface ControlPlaneOptions {
  /** HTTP port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Interface for HTTP and the embedded broker. Default 127.0.0.1. */
  host?: string;
  /** Port of the embedded MQTT broker; 0 picks a free one. Default 1883. Ignored with `brokerUrl`. */
  mqttPort?: number;
  /** Where `liveprobe.db` lives. Default `./.liveprobe`. */
  dataDir?: string;
  /** An external broker (e.g. `mqtt://mosquitto:1883`); when set, no broker is embedded. */
  brokerUrl?: string;
  /** A PostgreSQL URL (`postgres://user:pass@host/db`) instead of SQLite in `dataDir`; replicas may share it. */
  databaseUrl?: string;
  /** MQTT topic prefix. Default `liveprobe/v1`. */
  topicPrefix?: string;
  /** Who may call the API (docs/security.md). */
  auth?: AuthOptions;
  /** Request body size, API rate, actions per target (docs/security.md). */
  limits?: LimitOptions;
  /** HTTPS for the API and MQTT over TLS for the embedded broker, with this PEM certificate (chain) and key. */
  tls?: { certFile: string; keyFile: string };
  /** Ed25519 key that signs desired state (PKCS#8 PEM); created if missing. Default `<dataDir>/signing-key.pem`. Replicas must share one. */
  signingKeyFile?: string;
  log?: (line: string) => void;
}

export interface AuthOptions {
  /**
   * `tokens`: every API call needs an API token or, with `oidc`, an identity provider's JWT.
   * `off`: the API is open; only allowed on a loopback host. Default: `off` for this library
   * on loopback (embedding, tests); `liveprobe up` defaults to `tokens`.
   */
  mode?: 'tokens' | 'off';
  oidc?: OidcOptions;
  /** Create and return an admin token when no active one exists (the first start). Default true. */
  firstAdminToken?: boolean;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  mqttPort: number;
  dbPath: string;
  brokerUrl: string | undefined;
  databaseUrl: string | undefined;
  topicPrefix: string;
  auth: { mode: 'tokens' | 'off'; oidc: OidcOptions | undefined; firstAdminToken: boolean };
  limits: ResolvedLimits;
  signingKeyFile: string;
  tls: { certFile: string; keyFile: string } | undefined;
  log: (line: string) => void;
}

const BROKER_SCHEMES = ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'];

export function resolveOptions(options: ControlPlaneOptions): ResolvedOptions {
  return {
    port: checkPort('port', options.port ?? 8080),
    host: options.host ?? '127.0.0.1',
    mqttPort: checkPort('mqttPort', options.mqttPort ?? 1883),
    dbPath: resolve(options.dataDir ?? '.liveprobe', 'liveprobe.db'),
    brokerUrl: options.brokerUrl === undefined ? undefined : checkBrokerUrl(options.brokerUrl),
    databaseUrl: options.databaseUrl === undefined ? undefined : checkDatabaseUrl(options.databaseUrl),
    topicPrefix: options.topicPrefix ?? DEFAULT_TOPIC_PREFIX,
    auth: resolveAuth(options.auth ?? {}, options.host ?? '127.0.0.1'),
    limits: resolveLimits(options.limits ?? {}),
    tls: options.tls === undefined ? undefined : { certFile: resolve(options.tls.certFile), keyFile: resolve(options.tls.keyFile) },
    signingKeyFile: resolve(options.signingKeyFile ?? resolve(options.dataDir ?? '.liveprobe', 'signing-key.pem')),
    log: options.log ?? (() => {}),
  };
}

function checkPort(option: string, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidOptionError(option, port, 'a port number from 0 to 65535');
  return port;
}

function resolveAuth(auth: AuthOptions, host: string): ResolvedOptions['auth'] {
  const mode = auth.mode ?? (auth.oidc === undefined ? 'off' : 'tokens');
  if (mode === 'off' && !isLoopback(host)) {
    throw new InvalidOptionError(
      'auth.mode',
      mode,
      `"tokens" when listening on ${host}: an API open to the network lets anyone read variables out of your processes`,
    );
  }
  if (auth.oidc !== undefined) {
    for (const key of ['issuer', 'audience'] as const) {
      if (typeof auth.oidc[key] !== 'string' || auth.oidc[key].trim() === '')
        throw new InvalidOptionError(`auth.oidc.${key}`, auth.oidc[key], 'a non-empty string');
    }
    if (!URL.canParse(auth.oidc.issuer) && auth.oidc.jwksUrl === undefined) {
      throw new InvalidOptionError(
        'auth.oidc.issuer',
        auth.oidc.issuer,
        'a URL (its /.well-known/openid-configuration names the keys), or give auth.oidc.jwksUrl',
      );
    }
  }
  return { mode, oidc: auth.oidc, firstAdminToken: auth.firstAdminToken ?? true };
}

function resolveLimits(limits: LimitOptions): ResolvedLimits {
  const resolved = { ...DEFAULT_LIMITS, ...limits };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value <= 0) throw new InvalidOptionError(`limits.${key}`, value, 'a positive number');
  }
  return resolved;
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function checkDatabaseUrl(url: string): string {
  if (!isPostgresUrl(url) || !URL.canParse(url)) {
    throw new InvalidOptionError('databaseUrl', redactUrl(url), 'a PostgreSQL URL such as postgres://liveprobe:secret@db:5432/liveprobe');
  }
  return url;
}

function checkBrokerUrl(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || !BROKER_SCHEMES.includes(parsed.protocol)) {
    throw new InvalidOptionError('brokerUrl', redactUrl(url), 'a broker URL such as mqtt://localhost:1883 (mqtt, mqtts, ws or wss)');
  }
  return url;
}
