import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwksCache,
  type CryptoKey,
  type ExportedJWKSCache,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type LocalJWKSet,
  type RemoteJWKSet,
} from 'jose';
import { cappedFetch } from './capped-fetch';
import { discoverJwksUri } from './oidc-discovery';

/** The issuer's keys cannot be had now (network, timeout, a bad answer); `retryAfterMs` until the next attempt. */
export class KeysUnavailableError extends Error {
  constructor(
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super('the OIDC issuer cannot be reached', options);
    this.name = 'KeysUnavailableError';
  }
}

/** Told once when fetching from the issuer starts failing (an outage episode) and once when a fetch works again. */
export interface IssuerKeysEvents {
  unreachable(err: unknown): void;
  reachable(): void;
}

export interface IssuerKeysOptions {
  issuer: string;
  /** Bound of one request to the issuer (discovery, key set). */
  timeoutMs: number;
  /** Least time between two key-set fetches caused by an unknown `kid` (jose's `cooldownDuration`). */
  cooldownMs: number;
  /** How long fetched keys are used before they are fetched again (jose's `cacheMaxAge`). */
  maxAgeMs?: number;
  /** Waits after failed fetches: the first, doubled on each failure that follows, up to the second. */
  retryBackoffMs?: { first: number; max: number };
  events?: IssuerKeysEvents;
}

/** jose's default: keys are refetched every 10 minutes, so a key the issuer withdrew stops verifying by then. */
export const DEFAULT_KEYS_MAX_AGE_MS = 600_000;
export const DEFAULT_RETRY_BACKOFF_MS = { first: 1_000, max: 30_000 };

/**
 * The key a token names is in the issuer's set but cannot be used here: an RSA key under 2048 bits (jose refuses it),
 * a point WebCrypto cannot import. The token's problem (401), never an outage: anyone can name such a key's `kid`.
 */
export class UnusableKeyError extends errors.JOSEError {
  static override code = 'ERR_UNUSABLE_KEY';
  override code = 'ERR_UNUSABLE_KEY';
}

/** Errors of a key look-up that say something about the token (401), not about the issuer's reachability (503). */
function isTokenProblem(err: unknown): boolean {
  return err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported;
}

/**
 * The issuer's signing keys, as the key function of `jwtVerify`. Nothing is fetched before the first token: then the
 * discovery document (once, its `jwks_uri` kept for good) and the key set, which jose's `createRemoteJWKSet` caches
 * for `maxAgeMs` and fetches again, at most once per `cooldownMs`, for a token naming a key it does not hold — an
 * issuer's key rotation, and also all a flood of made-up `kid`s can make us fetch. Concurrent requests share one
 * fetch in flight (jose's for the key set, ours for discovery).
 *
 * When fetching fails (refused, timed out, not 200, not a key set) the error is a `KeysUnavailableError` (503, never
 * a 401: the token may be good) and nothing is fetched again for a backoff (1 s, doubling to 30 s), so a storm of
 * requests during an outage cannot hammer the issuer; the first request after it tries again. Meanwhile tokens signed
 * by a key fetched before are still verified with it: an issuer blip does not stop writes. A token naming a key not
 * held while the set cannot be refreshed is unavailable too (it may be a new key).
 */
export class IssuerKeys {
  private readonly options: Required<Omit<IssuerKeysOptions, 'events'>> & { events?: IssuerKeysEvents };
  private remote: RemoteJWKSet | undefined;
  private discovering: Promise<RemoteJWKSet> | undefined;
  /** Written by jose after each successful key-set fetch: its time and the set. */
  private readonly fetched: Partial<ExportedJWKSCache> = {};
  private lastKnown: { uat: number; set: LocalJWKSet } | undefined;
  private retryAt = 0;
  private failures = 0;
  private lastFailure: unknown;
  /** Start of the current outage episode (Date.now()), or undefined while the issuer answers. */
  private unreachableSince: number | undefined;

  constructor(options: IssuerKeysOptions) {
    this.options = { maxAgeMs: DEFAULT_KEYS_MAX_AGE_MS, retryBackoffMs: DEFAULT_RETRY_BACKOFF_MS, ...options };
  }

  /** The key function for `jwtVerify`. */
  readonly resolve = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    if (Date.now() < this.retryAt) return this.fromLastKnown(header, token);
    try {
      const remote = this.remote ?? (await this.discover());
      const key = await remote(header, token);
      this.noteFetchedSince();
      return key;
    } catch (err) {
      if (isTokenProblem(err)) {
        this.noteFetchedSince();
        throw err;
      }
      // jose's fetch errors and a key's import errors can both be plain TypeErrors: tell them apart by trying the
      // key in the set as last fetched. Failing there too, it is the key, and the issuer is fine.
      if (await this.unusableKey(header, token)) {
        this.noteFetchedSince();
        throw new UnusableKeyError('the key the token names cannot be used', { cause: err });
      }
      this.failed(err);
      return this.fromLastKnown(header, token, err);
    }
  };

  private discover(): Promise<RemoteJWKSet> {
    this.discovering ??= discoverJwksUri(this.options.issuer, this.options.timeoutMs)
      .then((jwksUri) => {
        this.remote = createRemoteJWKSet(jwksUri, {
          timeoutDuration: this.options.timeoutMs,
          cooldownDuration: this.options.cooldownMs,
          cacheMaxAge: this.options.maxAgeMs,
          [jwksCache]: this.fetched as ExportedJWKSCache,
          // A key set larger than any real one is an unusable issuer, not memory to fill.
          [customFetch]: cappedFetch(),
        });
        return this.remote;
      })
      .finally(() => {
        this.discovering = undefined;
      });
    return this.discovering;
  }

  /** A fetch failed: start (or extend) the backoff, and tell of a new outage once. */
  private failed(err: unknown): void {
    // Every request that waited on one failed fetch sees its error: count the fetch once.
    if (err === this.lastFailure) return;
    this.lastFailure = err;
    const { first, max } = this.options.retryBackoffMs;
    const now = Date.now();
    this.retryAt = now + Math.min(max, first * 2 ** Math.min(this.failures, 30));
    this.failures++;
    if (this.unreachableSince === undefined) {
      this.unreachableSince = now;
      this.options.events?.unreachable(err);
    }
  }

  /** Ends an outage episode once a key-set fetch has succeeded after it began (not merely a cached key served). */
  private noteFetchedSince(): void {
    if (this.unreachableSince === undefined || (this.fetched.uat ?? -Infinity) < this.unreachableSince) return;
    this.unreachableSince = undefined;
    this.failures = 0;
    this.retryAt = 0;
    this.options.events?.reachable();
  }

  /** The last fetched set, as a key function. */
  private lastKnownSet(): LocalJWKSet | undefined {
    const { uat, jwks } = this.fetched;
    if (uat === undefined || jwks === undefined) return undefined;
    if (this.lastKnown?.uat !== uat) this.lastKnown = { uat, set: createLocalJWKSet(jwks) };
    return this.lastKnown.set;
  }

  /** Whether the key `header` names is in the last fetched set but cannot be imported here. */
  private async unusableKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<boolean> {
    const set = this.lastKnownSet();
    if (set === undefined) return false;
    try {
      await set(header, token);
      return false;
    } catch (err) {
      return !(err instanceof errors.JOSEError);
    }
  }

  /** The key from the last set fetched, while the issuer cannot be asked; unavailable when there is none. */
  private async fromLastKnown(header: JWSHeaderParameters, token: FlattenedJWSInput, cause?: unknown): Promise<CryptoKey> {
    const unavailable = () => new KeysUnavailableError(Math.max(0, this.retryAt - Date.now()), { cause });
    const set = this.lastKnownSet();
    if (set === undefined) throw unavailable();
    try {
      return await set(header, token);
    } catch (err) {
      // A key we do not hold may be one the issuer added since: only it can say, and it cannot be asked.
      if (err instanceof errors.JWKSNoMatchingKey) throw unavailable();
      if (!(err instanceof errors.JOSEError)) throw new UnusableKeyError('the key the token names cannot be used', { cause: err });
      throw err;
    }
  }
}
