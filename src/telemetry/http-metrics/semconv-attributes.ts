import { CLIENT_CLOSED_REQUEST } from '../../http/request-outcome';

/**
 * Attribute values of the stable HTTP semantic conventions for `http.server.request.duration`, each bounded so that
 * no client can create series: methods from the standard's list, protocol versions from what Node's parser can
 * read, error types from status codes, a fixed identifier or a capped set of classes (the caller caps those).
 */

/** The value the standard gives to whatever its lists do not name (`http.request.method`, `error.type`). */
export const SEMCONV_OTHER = '_OTHER';

/**
 * `error.type` of a request whose client hung up before the response was sent (recorded as 499 in today's families):
 * no status code was sent, so none is recorded, and the standard asks for a low-cardinality identifier instead.
 */
export const CLIENT_CLOSED_ERROR = 'client_closed';

/**
 * Methods the standard knows (`QUERY` included, as OpenTelemetry JS has it). Compared as sent: the standard makes
 * the method case-sensitive, and Node's parser only accepts upper-case ones anyway.
 */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'QUERY', 'TRACE']);

export function semconvMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : SEMCONV_OTHER;
}

/**
 * `network.protocol.version` from Node's `httpVersion`. This is a node:http server: it speaks HTTP/1.x only, and Node's
 * parser accepts request lines claiming `HTTP/0.9` or `HTTP/2.0` yet answers them in HTTP/1.1. So what the exchange
 * used is `1.0` for an HTTP/1.0 request and `1.1` for everything else: a client cannot invent versions (or series)
 * by writing another number on its request line.
 */
export function protocolVersionOf(httpVersion: string): string {
  return httpVersion === '1.0' ? '1.0' : '1.1';
}

/** `http.response.status_code`: the code sent, or 0 (attribute left out) when the client hung up first. */
export function semconvStatus(status: number): number {
  return status === CLIENT_CLOSED_REQUEST ? 0 : status;
}

/** Status codes as `error.type` values (`"503"`), made once each: codes are 100–999. */
const statusTypes: string[] = [];

/**
 * `error.type`, or `''` (attribute left out) for a request that did not fail. A server request fails with a 5xx or
 * when its client hangs up (4xx are the client's errors, not the server's, and carry none):
 * - the class of the exception that was answered with the 5xx (`thrown`, already capped by the caller);
 * - otherwise the status code as a string (`"503"` for a refusal that threw nothing);
 * - `client_closed` for a client that hung up, unless an exception was thrown first.
 */
export function semconvErrorType(status: number, thrown: string | undefined): string {
  const failed = status === CLIENT_CLOSED_REQUEST || (status >= 500 && status <= 599);
  if (!failed) return '';
  if (thrown !== undefined) return thrown;
  if (status === CLIENT_CLOSED_REQUEST) return CLIENT_CLOSED_ERROR;
  return (statusTypes[status] ??= String(status));
}
