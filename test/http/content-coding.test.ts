import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/app-error';
import { contentCodingOf } from '../../src/http/content-coding';

describe('contentCodingOf', () => {
  it('reads the supported codings, case-insensitively; absent or empty is identity', () => {
    expect(contentCodingOf(undefined)).toBe('identity');
    expect(contentCodingOf('')).toBe('identity');
    expect(contentCodingOf('gzip')).toBe('gzip');
    expect(contentCodingOf(' GZip ')).toBe('gzip');
    expect(contentCodingOf('deflate')).toBe('deflate');
    expect(contentCodingOf('BR')).toBe('br');
    expect(contentCodingOf('identity')).toBe('identity');
  });

  it.each(['foo', 'x-gzip', 'gzip, br', 'compress', 'zstd'])('refuses %s with a 415 naming it and the supported codings', (header) => {
    const error = (() => {
      try {
        contentCodingOf(header);
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      status: 415,
      message: `Content-Encoding "${header}" is not supported (supported: gzip, deflate, br, identity)`,
      details: { supported: ['gzip', 'deflate', 'br', 'identity'] },
    });
  });

  it('echoes at most 64 characters of a long header', () => {
    expect(() => contentCodingOf('x'.repeat(5000))).toThrow(`Content-Encoding "${'x'.repeat(64)}…" is not supported`);
  });
});
