import { describe, expect, it } from 'vitest';
import { parseAssetInput, parsePagination } from '../../src/catalogue/asset-service';
import { AppError } from '../../src/errors/app-error';

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('parseAssetInput', () => {
  it('accepts a full body and ignores server-owned fields', () => {
    expect(parseAssetInput({ name: 'n', description: 'd', keywords: ['a'], identifier: 'x' })).toEqual({
      name: 'n',
      description: 'd',
      keywords: ['a'],
    });
  });

  it.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(257) }, 'name'],
    [{ name: 5 }, 'name'],
    [{ name: 'n', description: 'x'.repeat(10_001) }, 'description'],
    [{ name: 'n', keywords: 'a' }, 'keywords'],
    [{ name: 'n', keywords: Array(51).fill('k') }, 'keywords'],
    [{ name: 'n', keywords: ['x'.repeat(65)] }, 'keywords.0'],
  ])('rejects %j naming %s', (body, field) => {
    const error = errorOf(() => parseAssetInput(body));
    expect(error.status).toBe(400);
    expect(error.details).toEqual({ field });
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it('rejects non-objects', () => {
    expect(errorOf(() => parseAssetInput([1])).status).toBe(400);
    expect(errorOf(() => parseAssetInput(undefined)).status).toBe(400);
  });
});

describe('parsePagination', () => {
  it('defaults to offset 0, limit 10', () => expect(parsePagination({})).toEqual({ offset: 0, limit: 10 }));
  it('accepts the bounds', () => expect(parsePagination({ offset: '5', limit: '100' })).toEqual({ offset: 5, limit: 100 }));
  it.each([{ limit: '0' }, { limit: '101' }, { limit: '1.5' }, { offset: '-1' }, { limit: 'ten' }, { limit: ['1', '2'] }])(
    'rejects %j',
    (query) => expect(errorOf(() => parsePagination(query)).status).toBe(400),
  );
});
