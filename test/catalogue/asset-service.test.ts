import { describe, expect, it } from 'vitest';
import { parseAssetInput } from '../../src/catalogue/asset-service';
import { appErrorOf } from '../support/app-error-of';

const errorOf = appErrorOf;

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
