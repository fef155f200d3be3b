/**
 * A local OpenID Connect identity provider for tests: a real RS256 key set served over HTTP
 * (discovery document and JWKS, or the JWKS alone at a path of its own), and real signed JWTs.
 */
import { loopbackServer } from '@liveprobe/harness';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export interface IdentityProvider {
  issuer: string;
  /** Where its key set is served. */
  jwksUrl: string;
  sign(
    claims: Record<string, unknown>,
    options?: { expiresIn?: string | number; audience?: string; key?: CryptoKey; kid?: string; issuer?: string },
  ): Promise<string>;
  stop(): Promise<void>;
}

/** With `discovery: false` the provider serves no discovery document: only `jwksUrl` finds its keys. */
export async function identityProvider(options: { discovery?: boolean } = {}): Promise<IdentityProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  const jwksPath = options.discovery === false ? '/keys/signing.json' : '/jwks.json';
  let issuer = '';
  const server = await loopbackServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration' && options.discovery !== false)
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}${jwksPath}` }));
    else if (req.url === jwksPath) res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  issuer = server.url;
  return {
    issuer,
    jwksUrl: `${issuer}${jwksPath}`,
    async sign(claims, signing = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: signing.kid ?? 'key-1' })
        .setIssuer(signing.issuer ?? issuer)
        .setAudience(signing.audience ?? 'liveprobe')
        .setSubject('user-42')
        .setIssuedAt()
        .setExpirationTime(signing.expiresIn ?? '5m')
        .sign(signing.key ?? privateKey);
    },
    stop: () => server.close(),
  };
}
