import { AppError } from '../errors/app-error';

/** The `reason` codes of the refusals, as the OpenAPI document lists them. */
export const TOKEN_REQUIRED_REASON = 'token_required';
export const INVALID_TOKEN_REASON = 'invalid_token';
export const AUTH_UNAVAILABLE_REASON = 'auth_unavailable';

/** The protection space named in every challenge. */
export const REALM = 'asset-catalogue';

/**
 * 401 for a request without a bearer token (no `Authorization`, another scheme, `Bearer` alone). RFC 6750 §3.1: the
 * challenge carries no error code when the request had no authentication information.
 */
export function tokenRequired(): AppError {
  return new AppError(401, 'writes require Authorization: Bearer <token>', { reason: TOKEN_REQUIRED_REASON }, { 'WWW-Authenticate': `Bearer realm="${REALM}"` });
}

/**
 * 401 for a token that was presented and refused. `description` is one of the fixed texts of the verifiers (never
 * a token or a claim value), so it is safe in the challenge's quoted string (no `"` or `\`) and in the body.
 */
export function invalidToken(description: string): AppError {
  return new AppError(
    401,
    `invalid bearer token: ${description}`,
    { reason: INVALID_TOKEN_REASON },
    { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"` },
  );
}

/** 503 while the issuer's keys cannot be had: the token may be valid, so not a 401; the client should retry. */
export function authUnavailable(retryAfterSeconds: number): AppError {
  return new AppError(
    503,
    'bearer tokens cannot be verified now: the OIDC issuer is unreachable',
    { reason: AUTH_UNAVAILABLE_REASON },
    { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  );
}
