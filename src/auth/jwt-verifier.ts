import { KeysUnavailableError, UnusableKeyError } from './issuer-keys';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/**
 * Signature algorithms accepted: asymmetric only. `none` is never accepted, nor any HMAC (`HS*`): with an HMAC
 * algorithm a token "signed" with the issuer's public key — which anyone can fetch — would verify against it.
 */
export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/**
 * A compact JWS: three base64url parts, the signature not empty. Checked before anything is decoded, so that
 * whatever else a client sends costs a regular expression and no parsing, key look-up or signature check.
 */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Whether `token` has the shape of a signed JWT (it may still be anything). */
export function looksLikeJwt(token: string): boolean {
  return COMPACT_JWS.test(token);
}

/** The token was refused; `description` says why in a fixed text that names no value from the token. */
export class TokenRejectedError extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'TokenRejectedError';
  }
}

export interface JwtVerifierOptions {
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  /** The issuer's keys (see `IssuerKeys`); its errors other than jose's pass through unchanged. */
  keys: JWTVerifyGetKey;
}

/** What jose's refusal means, for the client. */
function descriptionOf(err: InstanceType<typeof errors.JOSEError>): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `the token has no ${err.claim} claim`;
    if (err.claim === 'aud') return 'the token is for another audience';
    if (err.claim === 'iss') return 'the token is from another issuer';
    if (err.claim === 'nbf') return 'the token is not valid yet';
    return `the token's ${err.claim} claim is not valid`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return 'the token is signed with an algorithm not accepted';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return 'the token is signed with a key the issuer does not publish';
  if (err instanceof UnusableKeyError) return 'the token names a key that cannot be used';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'the token names no key (kid) and the issuer publishes several';
  return 'the token is malformed';
}

/**
 * Verifies bearer JWTs: signature by one of the issuer's keys with an allowed algorithm, `iss`, `aud`, and `exp`
 * (required: a token without it would be good forever) and `nbf` with `clockToleranceSeconds` of leeway. Resolves
 * with the claims; a refused token is a `TokenRejectedError`; the key function's own errors (the issuer cannot be
 * reached) pass through; any other failure of the key is the token's.
 */
export function jwtVerifier(options: JwtVerifierOptions): (token: string) => Promise<JWTPayload> {
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: ALLOWED_ALGORITHMS,
    clockTolerance: options.clockToleranceSeconds,
    requiredClaims: ['exp'],
  };
  return async (token) => {
    if (!looksLikeJwt(token)) throw new TokenRejectedError('the token is malformed');
    try {
      return (await jwtVerify(token, options.keys, verifyOptions)).payload;
    } catch (err) {
      if (err instanceof errors.JOSEError) throw new TokenRejectedError(descriptionOf(err));
      if (err instanceof KeysUnavailableError) throw err;
      // jose checks the key itself only when verifying: an RSA key under 2048 bits is a TypeError there. It is the
      // key the token names, published or not, never a reason for a 500.
      throw new TokenRejectedError('the token names a key that cannot be used');
    }
  };
}
