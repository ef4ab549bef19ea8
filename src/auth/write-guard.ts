import type { Logger } from '../lifecycle/logger';
import { authUnavailable, invalidToken, tokenRequired } from './auth-errors';
import { writesProtected, type AuthSettings } from './auth-settings';
import { bearerCredentialsOf } from './bearer-credentials';
import { IssuerKeys, KeysUnavailableError } from './issuer-keys';
import { jwtVerifier, looksLikeJwt, TokenRejectedError } from './jwt-verifier';
import { staticTokenMatcher } from './static-token';

/**
 * Decides whether a write may proceed, from its `Authorization` header: returns when it may (undefined, or a promise
 * while a JWT is verified) and throws, or rejects, with the `AppError` to answer — 401 with a Bearer challenge, 503
 * while the OIDC issuer cannot be reached. Cheap checks first: the header's shape, then the static token (a hash
 * and a constant-time compare), and only a token shaped like a JWT goes on to a key look-up and a signature check.
 */
export type WriteGuard = (authorization: string | undefined) => Promise<void> | undefined;

/** A guard for `settings`, or undefined when neither a static token nor an issuer is configured (writes are open). */
export function createWriteGuard(settings: AuthSettings, logger: Logger): WriteGuard | undefined {
  if (!writesProtected(settings)) return undefined;
  const matchesStatic = settings.writeToken ? staticTokenMatcher(settings.writeToken) : undefined;
  const verifyJwt = settings.oidc && jwtVerifierFor(settings.oidc, logger);
  return (authorization) => {
    const credentials = bearerCredentialsOf(authorization);
    if (credentials.kind === 'none') throw tokenRequired();
    if (credentials.kind === 'malformed') throw invalidToken('the token is malformed');
    const { token } = credentials;
    if (matchesStatic?.(token)) return undefined;
    if (verifyJwt === undefined || !looksLikeJwt(token)) throw invalidToken('the token is not valid');
    return verifyJwt(token).then(
      () => undefined,
      (err: unknown) => {
        if (err instanceof TokenRejectedError) throw invalidToken(err.description);
        if (err instanceof KeysUnavailableError) throw authUnavailable(err.retryAfterMs / 1000);
        throw err;
      },
    );
  };
}

function jwtVerifierFor(oidc: NonNullable<AuthSettings['oidc']>, logger: Logger) {
  const log = logger.child({ component: 'auth', issuer: oidc.issuer });
  const keys = new IssuerKeys({
    issuer: oidc.issuer,
    timeoutMs: oidc.httpTimeoutMs,
    cooldownMs: oidc.jwksCooldownMs,
    // Once per outage episode, not per request: a storm of 503s must not become a storm of log lines.
    events: {
      unreachable: (err) => log.warn({ err }, 'OIDC issuer unreachable: writes whose token needs a key not yet fetched answer 503 until it answers again'),
      reachable: () => log.info('OIDC issuer reachable again'),
    },
  });
  return jwtVerifier({ issuer: oidc.issuer, audience: oidc.audience, clockToleranceSeconds: oidc.clockToleranceSeconds, keys: keys.resolve });
}
