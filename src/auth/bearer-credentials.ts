/**
 * Longest token considered, in characters. Real access tokens are 1–4 KB (a few with many group claims reach 6 KB);
 * Node bounds the whole header block at 16 KB already, this keeps an anonymous client from making us decode and
 * parse that much as a JWT.
 */
export const MAX_TOKEN_LENGTH = 8192;

/** RFC 7235 token68, the syntax of a bearer token (RFC 6750 §2.1). */
export const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** What an `Authorization` header holds, as far as bearer tokens go. */
export type BearerCredentials =
  /** No header, another scheme (`Basic …`) or `Bearer` with nothing after it: the client sent no token. */
  | { kind: 'none' }
  /** `Bearer` followed by something that cannot be a token (spaces inside, other characters, too long). */
  | { kind: 'malformed' }
  | { kind: 'token'; token: string };

const NONE: BearerCredentials = { kind: 'none' };
const MALFORMED: BearerCredentials = { kind: 'malformed' };

/**
 * The bearer token of an `Authorization` header value. The scheme is case-insensitive (RFC 7235 §2.1) and separated
 * by one or more spaces; Node has already trimmed the value's ends.
 */
export function bearerCredentialsOf(header: string | undefined): BearerCredentials {
  if (header === undefined || header.length < 6 || header.slice(0, 6).toLowerCase() !== 'bearer') return NONE;
  if (header.length === 6) return NONE;
  // `Bearerxyz` is another scheme, not a token.
  if (header[6] !== ' ' && header[6] !== '\t') return NONE;
  const token = header.slice(7).replace(/^[ \t]+/, '');
  if (token === '') return NONE;
  if (token.length > MAX_TOKEN_LENGTH || !TOKEN68.test(token)) return MALFORMED;
  return { kind: 'token', token };
}
