import { describe, expect, it } from 'vitest';
import { paginationQuery, parsePagination, PAGE_MAX_LIMIT } from '../../src/catalogue/pagination';
import { appErrorOf } from '../support/app-error-of';

const errorOf = appErrorOf;

describe('parsePagination', () => {
  it('defaults to offset 0, limit 10', () => expect(parsePagination({})).toEqual({ offset: 0, limit: 10 }));
  it('takes an empty value for the default', () => expect(parsePagination({ offset: '', limit: '' })).toEqual({ offset: 0, limit: 10 }));
  it('accepts the bounds', () => {
    expect(parsePagination({ offset: '5', limit: '100' })).toEqual({ offset: 5, limit: 100 });
    expect(parsePagination({ offset: String(Number.MAX_SAFE_INTEGER), limit: '1' })).toEqual({ offset: Number.MAX_SAFE_INTEGER, limit: 1 });
  });
  it.each([{ limit: '0' }, { limit: '101' }, { limit: '1.5' }, { offset: '-1' }, { limit: 'ten' }, { limit: ['1', '2'] }, { offset: '9007199254740992' }])(
    'rejects %j, naming the parameter',
    (query) => {
      const error = errorOf(() => parsePagination(query));
      expect(error.status).toBe(400);
      expect(error.details.parameter).toBe(Object.keys(query)[0]);
    },
  );
  it('takes its bounds from the schema the OpenAPI document renders', () => {
    const limit = paginationQuery.shape.limit;
    expect(limit.unwrap().maxValue).toBe(PAGE_MAX_LIMIT);
    expect(errorOf(() => parsePagination({ limit: String(PAGE_MAX_LIMIT + 1) })).message).toBe(`limit must be an integer from 1 to ${PAGE_MAX_LIMIT}`);
  });
});
