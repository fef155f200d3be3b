import { defined } from '@liveprobe/protocol/util';
import { Option } from 'commander';
import type { AuthOptions, ControlPlane } from '@liveprobe/control-plane';

/** The `liveprobe up` flags about who may call the API. */
export interface UpAuthOptions {
  auth: 'tokens' | 'off';
  oidcIssuer?: string;
  oidcAudience?: string;
  oidcRoleClaim?: string;
  oidcJwksUrl?: string;
  newAdminToken?: boolean;
  signingKeyFile?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export function authFlags(): Option[] {
  return [
    new Option('--auth <mode>', 'tokens: every API call needs a token; off: open API (loopback --host only)')
      .choices(['tokens', 'off'])
      .env('LIVEPROBE_AUTH')
      .default('tokens'),
    new Option('--oidc-issuer <url>', 'accept JWTs from this identity provider (its `iss`); keys from its OpenID discovery document').env(
      'LIVEPROBE_OIDC_ISSUER',
    ),
    new Option('--oidc-audience <aud>', 'the `aud` those JWTs must carry (the client id registered for liveprobe)').env(
      'LIVEPROBE_OIDC_AUDIENCE',
    ),
    new Option('--oidc-role-claim <path>', 'claim holding viewer/editor/admin, dotted for nested claims (default roles)').env(
      'LIVEPROBE_OIDC_ROLE_CLAIM',
    ),
    new Option('--oidc-jwks-url <url>', 'where the signing keys are, instead of discovering them from the issuer').env(
      'LIVEPROBE_OIDC_JWKS_URL',
    ),
    new Option('--new-admin-token', 'create and print another admin token (when the first one is lost)'),
    new Option('--tls-cert <file>', 'serve HTTPS, and MQTT over TLS on the embedded broker, with this PEM certificate (chain)').env(
      'LIVEPROBE_TLS_CERT',
    ),
    new Option('--tls-key <file>', 'the PEM private key of --tls-cert').env('LIVEPROBE_TLS_KEY'),
    new Option(
      '--signing-key-file <file>',
      'Ed25519 key (PKCS#8 PEM) that signs desired state; created if missing; replicas share one (default <data-dir>/signing-key.pem)',
    ).env('LIVEPROBE_SIGNING_KEY_FILE'),
  ];
}

export function authOptions(options: UpAuthOptions, demo: boolean): AuthOptions {
  const oidc =
    options.oidcIssuer === undefined && options.oidcAudience === undefined
      ? undefined
      : {
          issuer: options.oidcIssuer ?? '',
          audience: options.oidcAudience ?? '',
          ...defined({ roleClaim: options.oidcRoleClaim, jwksUrl: options.oidcJwksUrl }),
        };
  // The demo prints a token of its own every time, so a separate first admin token would only confuse.
  return { mode: options.auth, ...defined({ oidc }), firstAdminToken: !demo };
}

/** What `liveprobe up` says about authentication, and the token to use when it made one. */
export async function describeAuth(
  controlPlane: ControlPlane,
  options: UpAuthOptions,
  demo = false,
): Promise<{ lines: Array<[string, string]>; token?: string }> {
  const signing: [string, string] = [
    'signing key',
    `${controlPlane.signing.keyFile}${controlPlane.signing.created ? ' (new)' : ''}; agents: LIVEPROBE_PUBLIC_KEY=${controlPlane.signing.publicKey}`,
  ];
  if (options.auth === 'off') {
    return { lines: [signing, ['auth', "OFF (--auth off): anyone who can reach this machine's loopback can use the API"]] };
  }
  const sso = options.oidcIssuer === undefined ? '' : ` and single sign-on (${options.oidcIssuer})`;
  const lines: Array<[string, string]> = [signing, ['auth', `API tokens${sso}; send one as --token or LIVEPROBE_TOKEN`]];
  if (controlPlane.embeddedBroker) {
    const broker = new URL(controlPlane.mqttUrl);
    lines.push([
      'agents',
      `need an agent token on this broker: liveprobe token create --name my-agents --role agent --tag <tag> --agent <id or prefix*>, then LIVEPROBE_BROKER_URL=${broker.protocol}//my-agents:<token>@${broker.host}`,
    ]);
  }
  let token = controlPlane.firstAdminToken;
  if (options.newAdminToken === true) token = await controlPlane.issueToken('admin (--new-admin-token)', 'admin');
  if (token !== undefined) {
    lines.push(['admin token', `${token}  (shown once; keep it: export LIVEPROBE_TOKEN=${token})`]);
    return { lines, token };
  }
  // The demo makes no first admin token: it prints a fresh one of its own under "try:" on every start.
  lines.push([
    'admin token',
    demo
      ? 'the demo prints a new one below on every start (export LIVEPROBE_TOKEN=…)'
      : 'made on the first start and shown then; lost it? restart with --new-admin-token',
  ]);
  return { lines };
}
