import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriteGuard, type WriteGuard } from '../../src/auth/write-guard';
import { AppError } from '../../src/errors/app-error';
import { createLogger } from '../../src/lifecycle/logger';
import { CapturedLogs } from '../support/test-service';
import { TestIssuer } from '../support/oidc-issuer';

const TOKEN = 'automation-token-0123456789';
const logger = createLogger('info', new CapturedLogs());
const oidcDefaults = { clockToleranceSeconds: 60, httpTimeoutMs: 1000, jwksCooldownMs: 30_000 };

/** What the guard decided: 'allowed', or the status and challenge of the AppError it threw. */
async function decision(guard: WriteGuard, header: string | undefined): Promise<string> {
  try {
    await guard(header);
    return 'allowed';
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return `${err.status} ${err.headers['WWW-Authenticate'] ?? `Retry-After: ${err.headers['Retry-After']}`}`;
  }
}

const REQUIRED = '401 Bearer realm="asset-catalogue"';
const invalid = (description: string) => `401 Bearer realm="asset-catalogue", error="invalid_token", error_description="${description}"`;

describe('createWriteGuard', () => {
  it('is none (writes open) when neither a token nor an issuer is set', () => {
    expect(createWriteGuard({ writeToken: '', oidc: undefined }, logger)).toBeUndefined();
  });

  describe('with a static token', () => {
    const guard = createWriteGuard({ writeToken: TOKEN, oidc: undefined }, logger) as WriteGuard;

    it('allows the token, decided at once (no promise)', async () => {
      expect(guard(`Bearer ${TOKEN}`)).toBeUndefined();
      expect(await decision(guard, `bearer ${TOKEN}`)).toBe('allowed');
    });

    it.each([undefined, '', 'Basic YWRtaW46YWRtaW4=', 'Bearer', `Token ${TOKEN}`])('asks for a token when the header is %j', async (header) => {
      expect(await decision(guard, header)).toBe(REQUIRED);
    });

    it.each([`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, 'Bearer x', `Bearer ${TOKEN.toUpperCase()}`])('refuses %j', async (header) => {
      expect(await decision(guard, header)).toBe(invalid('the token is not valid'));
    });

    it('calls a token with spaces, quotes or 9000 characters malformed', async () => {
      for (const header of [`Bearer ${TOKEN} ${TOKEN}`, `Bearer "${TOKEN}"`, `Bearer ${'a'.repeat(9000)}`]) {
        expect(await decision(guard, header)).toBe(invalid('the token is malformed'));
      }
    });
  });

  describe('with an issuer (and the static token)', () => {
    let issuer: TestIssuer;
    let guard: WriteGuard;
    beforeAll(async () => {
      issuer = await TestIssuer.start();
      guard = createWriteGuard({ writeToken: TOKEN, oidc: { issuer: issuer.url, audience: issuer.audience, ...oidcDefaults } }, logger) as WriteGuard;
    });
    afterAll(() => issuer.close());

    it('allows either the static token or a token of the issuer', async () => {
      expect(await decision(guard, `Bearer ${TOKEN}`)).toBe('allowed');
      expect(await decision(guard, `Bearer ${await issuer.sign()}`)).toBe('allowed');
    });

    it('refuses a token of the issuer for another audience, saying why', async () => {
      expect(await decision(guard, `Bearer ${await issuer.sign({ aud: 'another-api' })}`)).toBe(invalid('the token is for another audience'));
    });

    it('refuses what is not shaped like a JWT without asking the issuer anything', async () => {
      const before = { ...issuer.requests };
      expect(await decision(guard, 'Bearer not-a-jwt-and-not-the-token')).toBe(invalid('the token is not valid'));
      expect(issuer.requests).toEqual(before);
    });
  });

  it('answers 503 with Retry-After while the issuer cannot be reached', async () => {
    const issuer = await TestIssuer.start();
    try {
      issuer.modes.discovery = 'error';
      const guard = createWriteGuard({ writeToken: '', oidc: { issuer: issuer.url, audience: issuer.audience, ...oidcDefaults } }, logger) as WriteGuard;
      expect(await decision(guard, `Bearer ${await issuer.sign()}`)).toBe('503 Retry-After: 1');
    } finally {
      await issuer.close();
    }
  });
});
