import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { base64url, type JWK } from 'jose';
import { createWriteGuard, type WriteGuard } from '../../src/auth/write-guard';
import { AppError } from '../../src/errors/app-error';
import { createLogger } from '../../src/lifecycle/logger';
import { CapturedLogs } from '../support/test-service';
import { signingKey, TestIssuer } from '../support/oidc-issuer';

/**
 * Hostile review: the issuer's key set holds a member this process cannot use — a 1024-bit RSA key (jose refuses
 * RSA keys under 2048 bits with a TypeError) or a key WebCrypto cannot import (an EC point not on its curve, a
 * DOMException). Neither error is a jose `JOSEError`, so `IssuerKeys` counts it as the issuer being unreachable
 * (backoff, "OIDC issuer unreachable" warning) and the guard rethrows it: the write answers 500. Anyone can name such
 * a key's `kid` in a made-up token: unlimited 500s with an error log line and stack each, and the backoff they keep
 * renewing holds off the fetch a rotated key needs, so the issuer's new tokens get 503 while it answers fine.
 */

/** A compact JWS over `claims`, signed with node:crypto (jose will not sign with a key under 2048 bits). */
function rs256(privateKey: KeyObject, kid: string, claims: object): string {
  const input = `${base64url.encode(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }))}.${base64url.encode(JSON.stringify(claims))}`;
  const signature = createSign('sha256').update(input).sign(privateKey);
  return `${input}.${base64url.encode(signature)}`;
}

/** What the guard decided: 'allowed', the status of its AppError, or `threw <name>` for anything else (a 500). */
async function decision(guard: WriteGuard, token: string): Promise<string> {
  try {
    await guard(`Bearer ${token}`);
    return 'allowed';
  } catch (err) {
    return err instanceof AppError ? String(err.status) : `threw ${(err as Error).name}`;
  }
}

let issuer: TestIssuer | undefined;
afterEach(async () => {
  await issuer?.close();
  issuer = undefined;
});

async function setUp(extraJwk: JWK, cooldownMs = 30_000) {
  issuer = await TestIssuer.start();
  const good = issuer.keys[0]!;
  // The extra member is published; it signs nothing the test needs (its private key is not used).
  issuer.keys = [good, { ...good, kid: String(extraJwk.kid), publicJwk: extraJwk }];
  const logs = new CapturedLogs();
  const guard = createWriteGuard(
    { writeToken: '', oidc: { issuer: issuer.url, audience: issuer.audience, clockToleranceSeconds: 60, httpTimeoutMs: 1000, jwksCooldownMs: cooldownMs } },
    createLogger('info', logs),
  ) as WriteGuard;
  return { issuer, guard, logs };
}

const now = () => Math.floor(Date.now() / 1000);

describe('write guard: a key set member this process cannot use', () => {
  it('a token signed by a published 1024-bit RSA key is refused (401), not a 500', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = { ...(weak.publicKey.export({ format: 'jwk' }) as JWK), kid: 'legacy-1024', alg: 'RS256', use: 'sig' };
    const { issuer, guard } = await setUp(jwk);
    const token = rs256(weak.privateKey, 'legacy-1024', { iss: issuer.url, aud: issuer.audience, exp: now() + 300 });
    expect(await decision(guard, token)).toBe('401');
  });

  it('a made-up token naming a published key WebCrypto cannot import is refused (401), not a 500', async () => {
    const badPoint: JWK = { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: 'not-on-curve', alg: 'ES256', use: 'sig' };
    const { issuer, guard } = await setUp(badPoint);
    const anyone = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const input = `${base64url.encode(JSON.stringify({ alg: 'ES256', kid: 'not-on-curve' }))}.${base64url.encode(JSON.stringify({ iss: issuer.url, aud: issuer.audience, exp: now() + 300 }))}`;
    const signature = createSign('sha256').update(input).sign({ key: anyone.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(await decision(guard, `${input}.${base64url.encode(signature)}`)).toBe('401');
  });

  it('such tokens do not make a reachable issuer "unreachable": a rotated key is still fetched and verified', async () => {
    const badPoint: JWK = { kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', kid: 'not-on-curve', alg: 'ES256', use: 'sig' };
    // No cooldown: a kid the set does not hold is fetched at once (rotation), so only the backoff can stop it.
    const { issuer, guard, logs } = await setUp(badPoint, 0);
    expect(await decision(guard, await issuer.sign())).toBe('allowed');
    const madeUp = `${base64url.encode(JSON.stringify({ alg: 'ES256', kid: 'not-on-curve' }))}.${base64url.encode('{}')}.${base64url.encode('x'.repeat(64))}`;
    await decision(guard, madeUp);
    // The issuer rotates: a new key, published, signs the next tokens.
    const rotated = await signingKey('key-2');
    issuer.keys = [...issuer.keys, rotated];
    expect(await decision(guard, await issuer.sign({}, { key: rotated }))).toBe('allowed');
    expect(logs.lines.filter((line) => String(line.msg).startsWith('OIDC issuer unreachable'))).toEqual([]);
  });
});
