// An OpenID Connect identity provider on loopback: a real key set behind its discovery
// document, and real signed JWTs, for the tests of single sign-on.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export interface IdentityProvider {
  issuer: string;
  sign(
    claims: Record<string, unknown>,
    options?: { expiresIn?: string | number; audience?: string; key?: CryptoKey; kid?: string; issuer?: string },
  ): Promise<string>;
  stop(): Promise<void>;
}

export async function identityProvider(): Promise<IdentityProvider> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json` }));
    else if (req.url === '/jwks.json') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    async sign(claims, options = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'key-1' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? 'liveprobe')
        .setSubject('user-42')
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(options.key ?? privateKey);
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
