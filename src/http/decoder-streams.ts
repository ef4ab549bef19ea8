import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';

/**
 * The streams a request gets piped into while its body is read (the body parser's decompressor: `inflation` pipes
 * the request into a zlib or brotli stream), so that they can be destroyed as soon as the reading is over.
 *
 * Why: when the parser stops at the size limit (a compression bomb) or on bad data, it stops reading but leaves the
 * decompressor to the garbage collector — and a decompressor's memory is native (its window, its buffered output),
 * which never makes V8 collect: a few hundred small bombs at once held over a gigabyte, whatever
 * `--max-old-space-size` said. Tracked through the request's own `pipe`, the one public way in.
 */
export function trackPipedStreams(req: IncomingMessage): { destroyAll(): void } {
  const piped: Writable[] = [];
  const pipe = req.pipe;
  req.pipe = function trackedPipe<T extends NodeJS.WritableStream>(this: IncomingMessage, destination: T, options?: { end?: boolean }): T {
    piped.push(destination as unknown as Writable);
    return pipe.call(this, destination, options) as T;
  };
  return {
    destroyAll() {
      req.pipe = pipe;
      for (const stream of piped.splice(0)) {
        req.unpipe(stream);
        stream.destroy();
      }
    },
  };
}
