import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiscoveryError, discoverJwksUri, discoveryUrlOf } from '../../src/auth/oidc-discovery';
import { freePort } from '../support/free-port';
import { TestIssuer } from '../support/oidc-issuer';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await TestIssuer.start();
});
afterAll(() => issuer.close());
beforeEach(() => {
  issuer.modes.discovery = 'up';
  issuer.namedIssuer = undefined;
});

async function failure(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DiscoveryError);
  return (err as Error).message;
}

describe('discoverJwksUri', () => {
  it('reads jwks_uri from the issuer discovery document', async () => {
    expect(String(await discoverJwksUri(issuer.url, 1000))).toBe(`${issuer.url}/jwks`);
  });

  it('puts the document under the issuer path, its trailing slash dropped (Discovery §4)', () => {
    expect(discoveryUrlOf('https://idp.example.org/realms/main')).toBe('https://idp.example.org/realms/main/.well-known/openid-configuration');
    expect(discoveryUrlOf('https://tenant.example.com/')).toBe('https://tenant.example.com/.well-known/openid-configuration');
  });

  it('refuses a document that names another issuer, naming both', async () => {
    issuer.namedIssuer = 'https://someone-else.example.org';
    expect(await failure(discoverJwksUri(issuer.url, 1000))).toMatch(/names the issuer "https:\/\/someone-else.example.org", not OIDC_ISSUER "http:\/\/127.0.0.1:\d+"/);
    // The issuer identifier is compared exactly: a trailing slash is another issuer.
    issuer.namedIssuer = `${issuer.url}/`;
    expect(await failure(discoverJwksUri(issuer.url, 1000))).toMatch(/names the issuer/);
  });

  it.each([
    ['error', /answered HTTP 503/],
    ['reset', /fetch failed/],
  ] as const)('fails with a DiscoveryError when the endpoint answers %s', async (mode, message) => {
    issuer.modes.discovery = mode;
    expect(await failure(discoverJwksUri(issuer.url, 1000))).toMatch(message);
  });

  it('gives up on an issuer that does not answer within the timeout', async () => {
    issuer.modes.discovery = 'hang';
    const started = Date.now();
    expect(await failure(discoverJwksUri(issuer.url, 300))).toMatch(/no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('fails on a port where nothing listens', async () => {
    expect(await failure(discoverJwksUri(`http://127.0.0.1:${await freePort()}`, 1000))).toMatch(/fetch failed/);
  });

  it('refuses a jwks_uri over plain http off this machine, or missing', async () => {
    const fake = (document: unknown) => () => Promise.resolve(new Response(JSON.stringify(document), { status: 200 }));
    expect(await failure(discoverJwksUri('https://idp.example.org', 1000, fake({ issuer: 'https://idp.example.org', jwks_uri: 'http://idp.example.org/jwks' })))).toMatch(
      /jwks_uri "http:\/\/idp.example.org\/jwks": expected an https URL/,
    );
    expect(await failure(discoverJwksUri('https://idp.example.org', 1000, fake({ issuer: 'https://idp.example.org' })))).toMatch(/has no jwks_uri/);
    expect(await failure(discoverJwksUri('https://idp.example.org', 1000, () => Promise.resolve(new Response('<html>', { status: 200 }))))).toMatch(/JSON/);
  });
});
