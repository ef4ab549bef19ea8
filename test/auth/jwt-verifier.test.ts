import { createLocalJWKSet, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_ALGORITHMS, jwtVerifier, TokenRejectedError } from '../../src/auth/jwt-verifier';
import { KeysUnavailableError } from '../../src/auth/issuer-keys';
import { hmacSignedWithPublicKey, signingKey, unsignedToken, type SigningKey } from '../support/oidc-issuer';

/** The verifier alone, with the issuer's key set in memory: every refusal is a TokenRejectedError saying why. */
const ISSUER = 'https://login.example.org/realms/main';
const AUDIENCE = 'asset-catalogue-api';
let rsa: SigningKey;
let ec: SigningKey;
let ed: SigningKey;
let stranger: SigningKey;
let verify: (token: string) => Promise<unknown>;

beforeAll(async () => {
  [rsa, ec, ed, stranger] = await Promise.all([signingKey('rsa-1', 'RS256'), signingKey('ec-1', 'ES256'), signingKey('ed-1', 'EdDSA'), signingKey('rsa-1', 'RS256')]);
  verify = jwtVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 60, keys: createLocalJWKSet({ keys: [rsa.publicJwk, ec.publicJwk, ed.publicJwk] }) });
});

const now = () => Math.floor(Date.now() / 1000);

function token(key: SigningKey, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'someone', iat: now(), exp: now() + 300, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
    .sign(key.privateKey);
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenRejectedError);
  return (err as TokenRejectedError).description;
}

describe('jwtVerifier', () => {
  it.each(['rsa', 'ec', 'ed'])('accepts a valid token signed with the issuer %s key, resolving with its claims', async (which) => {
    const key = { rsa, ec, ed }[which as 'rsa' | 'ec' | 'ed'];
    await expect(verify(await token(key))).resolves.toMatchObject({ sub: 'someone', iss: ISSUER });
  });

  it('accepts an audience list that holds ours', async () => {
    await expect(verify(await token(rsa, { aud: ['other', AUDIENCE] }))).resolves.toMatchObject({ sub: 'someone' });
  });

  it('refuses a token expired beyond the clock tolerance, accepts one within it', async () => {
    expect(await rejection(verify(await token(rsa, { exp: now() - 120 })))).toBe('the token has expired');
    await expect(verify(await token(rsa, { exp: now() - 30 }))).resolves.toBeDefined();
  });

  it('refuses a token not valid yet beyond the tolerance, accepts one within it', async () => {
    expect(await rejection(verify(await token(rsa, { nbf: now() + 120 })))).toBe('the token is not valid yet');
    await expect(verify(await token(rsa, { nbf: now() + 30 }))).resolves.toBeDefined();
  });

  it('refuses a token without exp (it would be good forever)', async () => {
    expect(await rejection(verify(await token(rsa, { exp: undefined })))).toBe('the token has no exp claim');
  });

  it('refuses another audience, another issuer, or none', async () => {
    expect(await rejection(verify(await token(rsa, { aud: 'some-other-api' })))).toBe('the token is for another audience');
    expect(await rejection(verify(await token(rsa, { iss: 'https://evil.example.org' })))).toBe('the token is from another issuer');
    expect(await rejection(verify(await token(rsa, { iss: `${ISSUER}/` })))).toBe('the token is from another issuer');
    expect(await rejection(verify(await token(rsa, { aud: undefined })))).toBe('the token has no aud claim');
  });

  it('refuses a token signed by a key not in the key set, even under a kid that is', async () => {
    expect(await rejection(verify(await token(stranger)))).toBe('the token signature does not verify');
    expect(await rejection(verify(await token(stranger, {}, { kid: 'not-published' })))).toBe('the token is signed with a key the issuer does not publish');
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [header, , signature] = (await token(rsa)).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'admin', exp: now() + 300 })).toString('base64url');
    expect(await rejection(verify(`${header}.${forged}.${signature}`))).toBe('the token signature does not verify');
  });

  it('refuses alg: none, with or without something in the signature part', async () => {
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'admin', exp: now() + 300 };
    // Unsigned: refused by its shape, before anything is decoded.
    expect(await rejection(verify(unsignedToken(claims)))).toBe('the token is malformed');
    // With a signature part: refused by the algorithm allow-list.
    expect(await rejection(verify(unsignedToken(claims, 'c2lnbmF0dXJl')))).toBe('the token is signed with an algorithm not accepted');
  });

  it('refuses HS256 signed with the issuer public key as the HMAC secret (algorithm confusion)', async () => {
    const forged = await hmacSignedWithPublicKey(rsa, { iss: ISSUER, aud: AUDIENCE, sub: 'admin', exp: now() + 300 });
    expect(await rejection(verify(forged))).toBe('the token is signed with an algorithm not accepted');
    expect(ALLOWED_ALGORITHMS.some((alg) => alg.startsWith('HS') || alg === 'none')).toBe(false);
  });

  it.each(['abc', 'a.b', 'a.b.c.d', 'a..c', '....', 'eyJhbGciOiJSUzI1NiJ9.e30.@@@'])('refuses %j as malformed', async (garbage) => {
    expect(await rejection(verify(garbage))).toBe('the token is malformed');
  });

  it('refuses a header that is not JSON as malformed', async () => {
    expect(await rejection(verify('bm90IGpzb24.e30.c2ln'))).toBe('the token is malformed');
  });

  it('lets the issuer\'s unavailability through (a 503), and makes any other failure of the key the token\'s (a 401)', async () => {
    const unavailable = new KeysUnavailableError(1000);
    const failing = jwtVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 0, keys: () => Promise.reject(unavailable) });
    await expect(failing(await token(rsa))).rejects.toBe(unavailable);
    const unusable = jwtVerifier({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 0, keys: () => Promise.reject(new TypeError('key too short')) });
    await expect(unusable(await token(rsa))).rejects.toBeInstanceOf(TokenRejectedError);
  });

  it('never puts a value from the token into its description (safe in a WWW-Authenticate quoted string)', async () => {
    const descriptions = [
      await rejection(verify(await token(rsa, { aud: 'x"y\\z' }))),
      await rejection(verify(await token(rsa, { iss: 'x"y' }))),
      await rejection(verify(await token(stranger, {}, { kid: 'x"y' }))),
    ];
    for (const description of descriptions) expect(description).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
  });
});
