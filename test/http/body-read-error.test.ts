import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/app-error';
import { bodyReadError, isDecodeError } from '../../src/http/body-read-error';

const MB = 1024 * 1024;

/** The error a real zlib/brotli decoder throws on `input`. */
function decodeErrorOf(decode: (input: Buffer) => Buffer, input: Buffer): unknown {
  try {
    decode(input);
  } catch (err) {
    return err;
  }
  throw new Error('decoded without an error');
}

/** raw-body's errors are http-errors: status and expose on the prototype, `type` on the instance. */
function httpError(status: number, message: string, props: Record<string, unknown>): Error {
  const proto = Object.create(Error.prototype, { status: { value: status }, expose: { value: status < 500 } }) as Error;
  return Object.assign(Object.create(proto) as Error, { message }, props);
}

describe('bodyReadError', () => {
  const json = Buffer.from('{"name":"x"}');
  const gzipped = zlib.gzipSync(json);
  const brotli = zlib.brotliCompressSync(json);

  it.each([
    ['gzip', 'not gzip', decodeErrorOf(zlib.gunzipSync, json)],
    ['gzip', 'truncated', decodeErrorOf(zlib.gunzipSync, gzipped.subarray(0, gzipped.length - 4))],
    ['gzip', 'followed by garbage', decodeErrorOf(zlib.unzipSync, Buffer.concat([gzipped, Buffer.from('garbage')]))],
    ['deflate', 'not deflate', decodeErrorOf(zlib.unzipSync, json)],
    ['br', 'not brotli', decodeErrorOf(zlib.brotliDecompressSync, json)],
    ['br', 'truncated', decodeErrorOf(zlib.brotliDecompressSync, brotli.subarray(0, brotli.length - 2))],
  ] as const)('%s body %s → 400 naming the coding', (coding, _what, err) => {
    expect(isDecodeError(err)).toBe(true);
    expect(bodyReadError(err, coding, MB)).toMatchObject({ status: 400, message: `request body is not valid ${coding} data` });
  });

  it('raw-body: over the limit → 413 with the limit; aborted and short bodies → 400', () => {
    expect(bodyReadError(httpError(413, 'request entity too large', { type: 'entity.too.large' }), 'identity', MB)).toMatchObject({
      status: 413,
      message: 'request body too large (limit 1 MB)',
    });
    expect(bodyReadError(httpError(400, 'request aborted', { type: 'request.aborted', code: 'ECONNABORTED' }), 'identity', MB)).toMatchObject({
      status: 400,
      message: 'request aborted',
    });
    expect(bodyReadError(httpError(400, 'request size did not match content length', { type: 'request.size.invalid' }), 'identity', MB)).toMatchObject({
      status: 400,
      message: 'request body length does not match Content-Length',
    });
  });

  it("co-body's JSON SyntaxError (status 400) → 'malformed JSON body'", () => {
    const err = Object.assign(new SyntaxError('Unexpected end of JSON input'), { status: 400 });
    expect(bodyReadError(err, 'identity', MB)).toMatchObject({ status: 400, message: 'malformed JSON body' });
  });

  it("inflation's 415 → the coding named with the supported ones", () => {
    const err = Object.assign(new Error('Unsupported Content-Encoding: compress'), { status: 415 });
    expect(bodyReadError(err, 'identity', MB)).toMatchObject({
      status: 415,
      message: 'Content-Encoding "compress" is not supported (supported: gzip, deflate, br, identity)',
    });
  });

  it('a socket error of a client that went away → 400', () => {
    expect(bodyReadError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), 'gzip', MB)).toMatchObject({ status: 400 });
  });

  it('an AppError passes through; anything else (a bug, memory) is not the client’s: undefined, a 5xx', () => {
    const appError = new AppError(415, 'nope');
    expect(bodyReadError(appError, 'identity', MB)).toBe(appError);
    expect(bodyReadError(new TypeError('x is undefined'), 'identity', MB)).toBeUndefined();
    expect(bodyReadError(Object.assign(new Error('Out of memory'), { code: 'Z_MEM_ERROR', errno: -4 }), 'gzip', MB)).toBeUndefined();
    expect(bodyReadError(Object.assign(new Error('alloc'), { code: 'ERR__ERROR_ALLOC_RING_BUFFER_1', errno: -26 }), 'br', MB)).toBeUndefined();
    expect(bodyReadError(httpError(500, 'stream is not readable', { type: 'stream.not.readable' }), 'identity', MB)).toBeUndefined();
    expect(bodyReadError(undefined, 'identity', MB)).toBeUndefined();
  });
});
