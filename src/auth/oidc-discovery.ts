import { cappedFetch } from './capped-fetch';
import { issuerUrlProblem } from './issuer-url';

/** The issuer's discovery document could not be fetched or does not describe this issuer. */
export class DiscoveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DiscoveryError';
  }
}

/** Where OpenID Connect Discovery 1.0 §4 puts an issuer's configuration: its trailing slash dropped first. */
export function discoveryUrlOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Fetches `issuer`'s discovery document and returns its `jwks_uri`. The document must name exactly this issuer
 * (Discovery §4.3: otherwise it describes someone else, whose keys must not verify our tokens) and a key-set URL held
 * to the issuer's own rule (https, http on loopback only). Every failure, the network's included, is a
 * `DiscoveryError`; the whole exchange, body included, is bounded by `timeoutMs`.
 */
export async function discoverJwksUri(issuer: string, timeoutMs: number, fetchImpl: typeof fetch = cappedFetch()): Promise<URL> {
  const url = discoveryUrlOf(issuer);
  let document: unknown;
  try {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual', headers: { accept: 'application/json' } });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new DiscoveryError(`${url} answered HTTP ${response.status}`);
    }
    document = await response.json();
  } catch (err) {
    if (err instanceof DiscoveryError) throw err;
    const what = (err as Error)?.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error)?.message ?? String(err);
    throw new DiscoveryError(`${url}: ${what}`, { cause: err });
  }
  const { issuer: named, jwks_uri: jwksUri } = (document ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
  if (named !== issuer) throw new DiscoveryError(`${url} names the issuer ${JSON.stringify(named)}, not OIDC_ISSUER "${issuer}"`);
  if (typeof jwksUri !== 'string') throw new DiscoveryError(`${url} has no jwks_uri`);
  const problem = issuerUrlProblem(jwksUri);
  if (problem) throw new DiscoveryError(`${url}: jwks_uri ${JSON.stringify(jwksUri)}: ${problem}`);
  return new URL(jwksUri);
}
