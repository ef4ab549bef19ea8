import { AppError } from '../errors/app-error';
import { unsupportedContentCoding, type ContentCoding } from './content-coding';

/**
 * What reading a JSON body throws, from each layer under `@koa/bodyparser` (read in their sources):
 * - `co-body` parses with `@hapi/bourne`: a `SyntaxError` with `status` 400 (also for `__proto__` keys);
 * - `raw-body` (http-errors, told apart by `type`): 413 `entity.too.large` (a `Content-Length` over the limit before
 *   reading, or the limit crossed while reading — decompressed bytes count), 400 `request.aborted` (the client hung
 *   up), 400 `request.size.invalid` (fewer or more bytes than `Content-Length`);
 * - `inflation`: an `Error` with `status` 415, "Unsupported Content-Encoding: …" (case-sensitive codings);
 * - `node:zlib`, piped in by `inflation`: a plain `Error` with `errno` and `code` and no status when the bytes are not
 *   what the coding says — which Koa would answer 500.
 */
interface BodyErrorLike {
  status?: unknown;
  type?: unknown;
  code?: unknown;
  errno?: unknown;
  message?: unknown;
}

/** zlib's codes for input that is not valid compressed data (truncated, wrong header, needs a dictionary). */
const ZLIB_INPUT_ERRORS = new Set(['Z_DATA_ERROR', 'Z_BUF_ERROR', 'Z_NEED_DICT']);
/** Brotli's are `ERR_` + the decoder's error name; its allocation and internal errors are not the client's. */
const BROTLI_INPUT_ERROR = /^ERR__ERROR_(FORMAT_|DICTIONARY_NOT_SET$|COMPOUND_DICTIONARY$)/;
/** Socket errors of a client that went away while sending. */
const CLIENT_GONE = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE']);
const INFLATION_UNSUPPORTED = 'Unsupported Content-Encoding: ';

/** Whether `err` says the body's bytes are not valid data for its content coding. */
export function isDecodeError(err: unknown): boolean {
  const { code, errno, status } = (err ?? {}) as BodyErrorLike;
  if (typeof code !== 'string' || typeof errno !== 'number' || status !== undefined) return false;
  return ZLIB_INPUT_ERRORS.has(code) || BROTLI_INPUT_ERROR.test(code);
}

export function bodyTooLarge(limitBytes: number): AppError {
  return new AppError(413, `request body too large (limit ${formatBytes(limitBytes)})`);
}

export function requestAborted(): AppError {
  return AppError.badRequest('request aborted');
}

/**
 * The answer for an error thrown while reading a request body, or undefined for one that is not the client's doing
 * (a bug or the server out of memory: it stays a 5xx). The one place that knows the parser chain's errors.
 */
export function bodyReadError(err: unknown, coding: ContentCoding, limitBytes: number): AppError | undefined {
  if (err instanceof AppError) return err;
  const { status, type, code, message } = (err ?? {}) as BodyErrorLike;
  if (err instanceof SyntaxError && status === 400) return AppError.badRequest('malformed JSON body');
  if (type === 'entity.too.large') return bodyTooLarge(limitBytes);
  if (type === 'request.size.invalid') return AppError.badRequest('request body length does not match Content-Length');
  if (type === 'request.aborted' || (typeof code === 'string' && CLIENT_GONE.has(code))) return requestAborted();
  if (status === 415 && typeof message === 'string' && message.startsWith(INFLATION_UNSUPPORTED)) {
    return unsupportedContentCoding(message.slice(INFLATION_UNSUPPORTED.length));
  }
  if (isDecodeError(err)) return AppError.badRequest(`request body is not valid ${coding} data`);
  return undefined;
}

function formatBytes(bytes: number): string {
  const MB = 1024 * 1024;
  return bytes % MB === 0 ? `${bytes / MB} MB` : `${bytes} bytes`;
}
