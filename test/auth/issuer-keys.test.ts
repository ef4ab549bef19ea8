import { afterEach, describe, expect, it } from 'vitest';
import { IssuerKeys, KeysUnavailableError, type IssuerKeysOptions } from '../../src/auth/issuer-keys';
import { jwtVerifier, TokenRejectedError } from '../../src/auth/jwt-verifier';
import { freePort } from '../support/free-port';
import { signingKey, TestIssuer } from '../support/oidc-issuer';

/**
 * The issuer's keys over real HTTP (a local discovery document and key set): what is fetched when, what a flood or an
 * outage can make us fetch, and what a request sees meanwhile.
 */
let issuer: TestIssuer | undefined;
afterEach(async () => {
  await issuer?.close();
  issuer = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Setup {
  issuer: TestIssuer;
  keys: IssuerKeys;
  verify: (token: string) => Promise<unknown>;
  events: string[];
}

async function setUp(options: Partial<IssuerKeysOptions> = {}): Promise<Setup> {
  issuer = await TestIssuer.start();
  const events: string[] = [];
  const keys = new IssuerKeys({
    issuer: issuer.url,
    timeoutMs: 1000,
    cooldownMs: 30_000,
    retryBackoffMs: { first: 500, max: 2000 },
    events: { unreachable: () => events.push('unreachable'), reachable: () => events.push('reachable') },
    ...options,
  });
  const verify = jwtVerifier({ issuer: issuer.url, audience: issuer.audience, clockToleranceSeconds: 0, keys: keys.resolve });
  return { issuer, keys, verify, events };
}

/** What verifying `token` came to: ok, the description of a refusal, or 'unavailable'. */
async function outcome(verify: (token: string) => Promise<unknown>, token: string): Promise<string> {
  try {
    await verify(token);
    return 'ok';
  } catch (err) {
    if (err instanceof TokenRejectedError) return err.description;
    if (err instanceof KeysUnavailableError) return 'unavailable';
    throw err;
  }
}

describe('IssuerKeys', () => {
  it('fetches nothing until the first token, then the discovery document and the key set once, for all tokens after', async () => {
    const { issuer, verify } = await setUp();
    expect(issuer.requests).toEqual({ discovery: 0, jwks: 0 });
    expect(await outcome(verify, await issuer.sign())).toBe('ok');
    for (let i = 0; i < 20; i++) expect(await outcome(verify, await issuer.sign({ sub: `user-${i}` }))).toBe('ok');
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1 });
  });

  it('shares one fetch between the first requests arriving together', async () => {
    const { issuer, verify } = await setUp();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => issuer.sign()));
    expect(await Promise.all(tokens.map((t) => outcome(verify, t)))).toEqual(tokens.map(() => 'ok'));
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1 });
  });

  it('follows a key rotation: a new kid is fetched once the cooldown allows, the withdrawn key fails after', async () => {
    const { issuer, verify } = await setUp({ cooldownMs: 500 });
    const [oldKey] = issuer.keys;
    const oldToken = await issuer.sign();
    expect(await outcome(verify, oldToken)).toBe('ok');
    const newKey = await signingKey('key-2');
    issuer.keys = [newKey];
    const newToken = await issuer.sign({}, { key: newKey });
    // Within the cooldown the set is not fetched again: the new kid is unknown yet, the old key still held.
    expect(await outcome(verify, newToken)).toBe('the token is signed with a key the issuer does not publish');
    expect(await outcome(verify, oldToken)).toBe('ok');
    expect(issuer.requests.jwks).toBe(1);
    await sleep(600);
    expect(await outcome(verify, newToken)).toBe('ok');
    expect(issuer.requests.jwks).toBe(2);
    expect(await outcome(verify, oldToken)).toBe('the token is signed with a key the issuer does not publish');
    expect(await outcome(verify, await issuer.sign({}, { key: oldKey }))).toBe('the token is signed with a key the issuer does not publish');
    expect(issuer.requests.jwks).toBe(2);
  });

  it('a flood of tokens with made-up kids fetches the key set at most once per cooldown', async () => {
    const { issuer, verify } = await setUp({ cooldownMs: 1000 });
    expect(await outcome(verify, await issuer.sign())).toBe('ok');
    const madeUp = await Promise.all(Array.from({ length: 200 }, () => issuer.signWithRandomKid()));
    const flood = (tokens: string[]) => Promise.all(tokens.map((t) => outcome(verify, t)));
    const started = Date.now();
    expect(new Set(await flood(madeUp))).toEqual(new Set(['the token is signed with a key the issuer does not publish']));
    // All within the cooldown of the first fetch (else a second fetch would be allowed, and right).
    expect(Date.now() - started).toBeLessThan(1000);
    expect(issuer.requests.jwks).toBe(1);
    await sleep(1100);
    await flood(madeUp.slice(0, 100));
    await flood(madeUp.slice(100));
    // One fetch for the first unknown kid after the cooldown (the concurrent ones share it); none for the others.
    expect(issuer.requests.jwks).toBe(2);
    expect(issuer.requests.discovery).toBe(1);
  });

  it('while the issuer is down: unavailable (not a refusal), nothing fetched during the backoff, retried after it', async () => {
    const { issuer, verify, events } = await setUp();
    issuer.modes.discovery = 'reset';
    const token = await issuer.sign();
    expect(await outcome(verify, token)).toBe('unavailable');
    expect(issuer.requests.discovery).toBe(1);
    for (let i = 0; i < 50; i++) expect(await outcome(verify, token)).toBe('unavailable');
    expect(issuer.requests.discovery).toBe(1);
    await sleep(600);
    expect(await outcome(verify, token)).toBe('unavailable');
    expect(issuer.requests.discovery).toBe(2);
    // The backoff doubled (500 → 1000 ms): 400 ms later it still holds.
    await sleep(400);
    expect(await outcome(verify, token)).toBe('unavailable');
    expect(issuer.requests.discovery).toBe(2);
    issuer.modes.discovery = 'up';
    await sleep(700);
    expect(await outcome(verify, token)).toBe('ok');
    // One episode: told once each way, however many requests failed.
    expect(events).toEqual(['unreachable', 'reachable']);
  });

  it('says how long until the next attempt', async () => {
    const { issuer, verify } = await setUp();
    issuer.modes.discovery = 'error';
    const err = await verify(await issuer.sign()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeysUnavailableError);
    expect((err as KeysUnavailableError).retryAfterMs).toBeGreaterThan(0);
    expect((err as KeysUnavailableError).retryAfterMs).toBeLessThanOrEqual(500);
  });

  it('counts one failed fetch once, however many requests waited on it', async () => {
    const { issuer, verify } = await setUp({ timeoutMs: 200 });
    issuer.modes.discovery = 'hang';
    const tokens = await Promise.all(Array.from({ length: 20 }, () => issuer.sign()));
    const errors = (await Promise.all(tokens.map((t) => verify(t).catch((e: unknown) => e)))) as KeysUnavailableError[];
    expect(issuer.requests.discovery).toBe(1);
    // The first backoff (500 ms), not 500 × 2^19 capped at the maximum.
    for (const err of errors) expect(err.retryAfterMs).toBeLessThanOrEqual(500);
  });

  it.each(['hang', 'reset', 'error'] as const)('a key set that fails (%s) is unavailable within the timeout, never a refusal', async (mode) => {
    const { issuer, verify } = await setUp({ timeoutMs: 300 });
    issuer.modes.jwks = mode;
    const started = Date.now();
    expect(await outcome(verify, await issuer.sign())).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(issuer.requests).toEqual({ discovery: 1, jwks: 1 });
  });

  it('an issuer whose discovery document names another issuer is unavailable (misconfigured), not a refusal', async () => {
    const { issuer, verify, events } = await setUp();
    issuer.namedIssuer = 'https://someone-else.example.org';
    expect(await outcome(verify, await issuer.sign())).toBe('unavailable');
    expect(events).toEqual(['unreachable']);
  });

  it('an issuer where nothing listens is unavailable', async () => {
    const port = await freePort();
    const keys = new IssuerKeys({ issuer: `http://127.0.0.1:${port}`, timeoutMs: 1000, cooldownMs: 1000 });
    issuer = await TestIssuer.start();
    const verify = jwtVerifier({ issuer: `http://127.0.0.1:${port}`, audience: issuer.audience, clockToleranceSeconds: 0, keys: keys.resolve });
    expect(await outcome(verify, await issuer.sign({ iss: `http://127.0.0.1:${port}` }))).toBe('unavailable');
  });

  it('keeps verifying with the keys it holds while their refresh fails; a kid it does not hold is unavailable then', async () => {
    const { issuer, verify, events } = await setUp({ maxAgeMs: 200, cooldownMs: 1000 });
    const token = await issuer.sign();
    expect(await outcome(verify, token)).toBe('ok');
    issuer.modes.jwks = 'reset';
    await sleep(250);
    // The set is stale: it is fetched again, that fails, and the key held still verifies.
    expect(await outcome(verify, token)).toBe('ok');
    expect(issuer.requests.jwks).toBe(2);
    expect(events).toEqual(['unreachable']);
    // During the backoff nothing is fetched, and what the held keys verify still does.
    for (let i = 0; i < 20; i++) expect(await outcome(verify, await issuer.sign({ sub: `u${i}` }))).toBe('ok');
    expect(issuer.requests.jwks).toBe(2);
    // An unknown kid might be the issuer's new key: only the issuer can say, so it is unavailable, not refused.
    expect(await outcome(verify, await issuer.signWithRandomKid())).toBe('unavailable');
    // A bad signature is still a refusal.
    expect(await outcome(verify, await issuer.sign({}, { key: await signingKey('key-1') }))).toBe('the token signature does not verify');
    issuer.modes.jwks = 'up';
    await sleep(550);
    expect(await outcome(verify, token)).toBe('ok');
    expect(issuer.requests.jwks).toBe(3);
    expect(events).toEqual(['unreachable', 'reachable']);
  });

  it('ends an outage episode on a fetch that works, not on a token served from the keys held', async () => {
    const { issuer, verify, events } = await setUp({ cooldownMs: 300 });
    expect(await outcome(verify, await issuer.sign())).toBe('ok');
    issuer.modes.jwks = 'reset';
    await sleep(350);
    // An unknown kid past the cooldown: the set is fetched again, in vain.
    expect(await outcome(verify, await issuer.signWithRandomKid())).toBe('unavailable');
    expect(events).toEqual(['unreachable']);
    await sleep(600);
    // Past the backoff, a known key is served from the fresh set without a fetch: the issuer is still unreachable.
    expect(await outcome(verify, await issuer.sign())).toBe('ok');
    expect(issuer.requests.jwks).toBe(2);
    expect(events).toEqual(['unreachable']);
    issuer.modes.jwks = 'up';
    expect(await outcome(verify, await issuer.signWithRandomKid())).toBe('the token is signed with a key the issuer does not publish');
    expect(issuer.requests.jwks).toBe(3);
    expect(events).toEqual(['unreachable', 'reachable']);
  });
});
