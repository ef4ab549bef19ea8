import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors/app-error';

/**
 * The request's one `Authorization` header. Node keeps the first of several and drops the rest; a proxy in front may
 * keep the last, so `Bearer <good>` then `Bearer <anything>` could be let through by one and refused by the other.
 * Two of them is a malformed request (RFC 9110 §5.3: the field is not a list), answered 400 before any token is read.
 */
export function singleAuthorization(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).length === 13 && (raw[i] as string).toLowerCase() === 'authorization' && ++seen > 1) {
      throw new AppError(400, 'the request has more than one Authorization header');
    }
  }
  return req.headers.authorization;
}
