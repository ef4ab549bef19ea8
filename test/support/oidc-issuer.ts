import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** A key pair the test signs with; `publicJwk` is what a key set publishes. */
export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function signingKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** How an endpoint of the test issuer answers: normally, 503, by dropping the connection, never, or with 2 MB of JSON. */
export type EndpointMode = 'up' | 'error' | 'reset' | 'hang' | 'huge';

export interface TokenOptions {
  /** Signs with this key (default: the issuer's first); its kid goes into the header unless `kid` says otherwise. */
  key?: SigningKey;
  kid?: string;
  /** Seconds from now; negative for a token that has expired. Default 300. */
  expiresIn?: number;
}

/**
 * A local OpenID provider on an ephemeral port (node:http): the discovery document at
 * `/.well-known/openid-configuration` and the key set at `/jwks`, each with its own mode, counting the requests each
 * receives. Tokens are signed in the test with the keys it publishes (or others).
 */
export class TestIssuer {
  readonly requests = { discovery: 0, jwks: 0 };
  readonly modes: { discovery: EndpointMode; jwks: EndpointMode } = { discovery: 'up', jwks: 'up' };
  /** The keys the key set publishes; replace to rotate. */
  keys: SigningKey[];
  /** What the discovery document says the issuer is (default: `url`). */
  namedIssuer: string | undefined;
  readonly audience = 'asset-catalogue-api';
  private readonly hanging = new Set<http.ServerResponse>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    keys: SigningKey[],
  ) {
    this.keys = keys;
  }

  static async start(keys?: SigningKey[]): Promise<TestIssuer> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = new TestIssuer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, keys ?? [await signingKey('key-1')]);
    server.on('request', (req, res) => issuer.answer(req, res));
    return issuer;
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const endpoint = req.url === '/.well-known/openid-configuration' ? 'discovery' : req.url === '/jwks' ? 'jwks' : undefined;
    if (endpoint === undefined) {
      res.writeHead(404).end();
      return;
    }
    this.requests[endpoint]++;
    const mode = this.modes[endpoint];
    if (mode === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (mode === 'reset') {
      req.socket.destroy();
      return;
    }
    if (mode === 'huge') {
      // Valid JSON, chunked (no Content-Length), larger than any real document: `{"keys":[` + 2 MB of blanks + `]}`.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
      for (let i = 0; i < 32; i++) res.write(' '.repeat(64 * 1024));
      res.end(']}');
      return;
    }
    if (mode === 'error') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    const body =
      endpoint === 'discovery'
        ? { issuer: this.namedIssuer ?? this.url, jwks_uri: `${this.url}/jwks`, id_token_signing_alg_values_supported: ['RS256', 'ES256'] }
        : { keys: this.keys.map((k) => k.publicJwk) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  /** A token of this issuer for its audience, valid 5 minutes unless `claims` or `options` say otherwise. */
  async sign(claims: JWTPayload = {}, options: TokenOptions = {}): Promise<string> {
    const key = options.key ?? (this.keys[0] as SigningKey);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: this.url, aud: this.audience, sub: 'tester', iat: now, exp: now + (options.expiresIn ?? 300), ...claims })
      .setProtectedHeader({ alg: key.alg, kid: options.kid ?? key.kid, typ: 'JWT' })
      .sign(key.privateKey);
  }

  /** A token naming a `kid` no key set holds (what a flood of made-up tokens looks like); signed by the first key. */
  signWithRandomKid(): Promise<string> {
    return this.sign({}, { kid: randomBytes(8).toString('hex') });
  }

  /** Connections of requests left hanging are dropped too. */
  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** An unsecured JWT (`alg: none`), built by hand: header and claims, and `signature` (empty by default). */
export function unsignedToken(claims: JWTPayload, signature = ''): string {
  const part = (value: object) => base64url.encode(JSON.stringify(value));
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.${signature}`;
}

/**
 * The algorithm-confusion attack: an HS256 token whose HMAC key is the issuer's public key (its PEM), which anyone
 * can fetch. A verifier that lets the token choose the algorithm and uses the key's bytes as the secret accepts it.
 */
export async function hmacSignedWithPublicKey(key: SigningKey, claims: JWTPayload): Promise<string> {
  const secret = new TextEncoder().encode(await exportSPKI(key.publicKey));
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' }).sign(secret);
}
