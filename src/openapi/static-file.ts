import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Context } from 'koa';

/** How a file answered from memory is sent. */
export interface StaticFile {
  /** `Content-Type` of the answer. */
  type: string;
  /** `Cache-Control` of the answer. */
  cacheControl: string;
}

const gzip = promisify(gzipCallback);

/** The bytes, their gzip form and an ETag, computed once, on first use. */
interface Prepared {
  raw: Buffer;
  gzip: Buffer;
  etag: string;
}

/**
 * Serves bytes that do not change while the process runs (the OpenAPI document, the docs bundle): produced by `load`
 * on the first request (a failure is thrown to that request and retried by the next), then answered from memory, gzip
 * when the client accepts it, `304` when its `If-None-Match` still matches. Nothing is read or built before someone
 * asks: an unused docs route costs nothing.
 */
/**
 * Longest `Accept-Encoding` negotiated; a longer one gets the file uncompressed (identity, which RFC 9110 lets a server
 * send when nothing else fits). Real clients send a few dozen characters; the negotiator behind `acceptsEncodings`
 * spent ~640 µs on a 12 KB header of 1150 made-up codings, making a static file 13 times dearer for anyone.
 */
export const MAX_NEGOTIATED_ACCEPT_ENCODING = 256;

function gzipWanted(ctx: Context): boolean {
  const header = ctx.get('accept-encoding');
  return header.length <= MAX_NEGOTIATED_ACCEPT_ENCODING && ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
}

export function staticFile(file: StaticFile, load: () => Promise<Buffer> | Buffer): (ctx: Context) => Promise<void> {
  let prepared: Promise<Prepared> | undefined;
  const prepare = async (): Promise<Prepared> => {
    const raw = await load();
    const etag = `"${createHash('sha256').update(raw).digest('base64url').slice(0, 27)}"`;
    // On the thread pool: the 1.8 MB bundle would hold the event loop for tens of milliseconds.
    return { raw, gzip: await gzip(raw), etag };
  };
  return async (ctx) => {
    prepared ??= prepare().catch((err: unknown) => {
      prepared = undefined;
      throw err;
    });
    const { raw, gzip: zippedBytes, etag } = await prepared;
    // Only when smaller: a favicon does not shrink.
    const zipped = zippedBytes.length < raw.length && gzipWanted(ctx);
    ctx.set('Cache-Control', file.cacheControl);
    ctx.set('Vary', 'Accept-Encoding');
    // Each encoding is its own representation, with its own (strong) validator.
    ctx.etag = zipped ? `${etag.slice(0, -1)}-gzip"` : etag;
    ctx.type = file.type;
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    if (zipped) ctx.set('Content-Encoding', 'gzip');
    ctx.body = zipped ? zippedBytes : raw;
  };
}
