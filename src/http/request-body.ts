import { inviteBody } from './expect-continue';
import type { IncomingMessage } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { bodyReadError, requestAborted } from './body-read-error';
import { contentCodingOf } from './content-coding';
import { trackPipedStreams } from './decoder-streams';
import { AdmissionGate, AdmissionRejectedError } from './admission-gate';
import { AppError } from '../errors/app-error';
import type { DrainBounds } from './lingering-close';

/** Largest JSON body accepted, after decompression. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * What is read and discarded of a body still arriving after its answer (see `lingerThenClose`): ten times the limit
 * and a few seconds, like a proxy's lingering close — enough for an 8 MB body on a slow link, not a way to keep the
 * server reading.
 */
export const BODY_DRAIN_BOUNDS: DrainBounds = { maxBytes: 10 * BODY_LIMIT_BYTES, maxMs: 5_000 };

/** The 429 `reason` when every decoder turn is taken. */
export const DECODING_BUSY_REASON = 'decoding_busy';

/**
 * Compressed bodies decoded at once per process, and how many more may wait for a turn (and how long): each decoder
 * holds native memory (a brotli window is up to 16 MiB) beside the body it inflates, so their number is bounded like
 * the memory they may take. Beyond, 429 with `Retry-After`.
 */
export const DECODING_LIMITS = { maxConcurrent: 4, maxQueued: 256, queueTimeoutMs: 5_000 };

/**
 * Reads a JSON request body into `ctx.request.body` (other content types are left unread and get `{}`, as the body
 * parser does), then calls `next`. Every failure is a 4xx `AppError` (see `bodyReadError`): an unknown
 * `Content-Encoding` is refused before reading, bytes that do not decompress are a 400, a body over `limitBytes`
 * (decompressed) a 413, a client that hangs up mid-body a 400 nobody reads.
 */
export function jsonBodyReader(limitBytes: number = BODY_LIMIT_BYTES) {
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: limitBytes, encoding: 'utf-8' });
  const parsed = () => Promise.resolve();
  const decoding = new AdmissionGate(DECODING_LIMITS);
  const enterDecoding = async (): Promise<() => void> => {
    try {
      return await decoding.enter();
    } catch (err) {
      if (!(err instanceof AdmissionRejectedError)) throw err;
      throw new AppError(429, 'too many compressed request bodies at once; retry shortly', { reason: DECODING_BUSY_REASON }, { 'Retry-After': '1' });
    }
  };
  return async function readJsonBody(ctx: Context, next: Next): Promise<void> {
    const req = ctx.req;
    const header = req.headers['content-encoding'];
    const coding = contentCodingOf(header);
    // The parser's `inflation` matches codings case-sensitively; RFC 9110 says they are not.
    if (header !== undefined && header !== coding) req.headers['content-encoding'] = coding;
    // Only a compressed body has a decoder: its turn and the tracking of its streams are for those alone.
    let leave: (() => void) | undefined;
    let streams: { destroyAll(): void } | undefined;
    if (coding !== 'identity') {
      leave = await enterDecoding();
      streams = trackPipedStreams(req);
    }
    inviteBody(req, ctx.res, limitBytes, coding !== 'identity');
    try {
      // `next` is called below, outside the try: errors of the route are not body errors.
      await whileClientSends(req, parse(ctx, parsed));
    } catch (err) {
      throw bodyReadError(err, coding, limitBytes) ?? err;
    } finally {
      streams?.destroyAll();
      leave?.();
    }
    // The parser leaves the body unset (and answers 499 itself) for a request that was closed before it started.
    if (ctx.request.body === undefined) throw requestAborted();
    return next();
  };
}

/**
 * `reading`, or a rejection as soon as the client hangs up before its body is complete. Without it a compressed body
 * whose client goes away never settles: the parser waits on the decompressor, which never hears that the request
 * ended, and the request's context stays in memory for good.
 */
function whileClientSends<T>(req: IncomingMessage, reading: Promise<T>): Promise<T> {
  if (req.complete) return reading;
  return new Promise<T>((resolve, reject) => {
    const onClose = () => {
      if (!req.complete) reject(requestAborted());
    };
    req.once('close', onClose);
    reading.then(
      (value) => {
        req.off('close', onClose);
        resolve(value);
      },
      (err: unknown) => {
        req.off('close', onClose);
        reject(err);
      },
    );
  });
}
