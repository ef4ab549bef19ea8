import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { intParamBounds, intParamReader } from '../../src/http/int-param';
import { AppError } from '../../src/errors/app-error';

describe('intParamReader', () => {
  const read = intParamReader('n', z.int().min(2).max(7).default(5));

  it('reads bounds and default from the zod declaration', () => {
    expect(intParamBounds(z.int().min(2).max(7).default(5))).toEqual({ min: 2, max: 7, default: 5 });
    expect(read(undefined)).toBe(5);
    expect(read('2')).toBe(2);
    expect(read('7')).toBe(7);
  });

  it.each(['1', '8', '-2', '2.0', ' 3', 'x'])('refuses %j with a 400 naming the parameter', (raw) => {
    try {
      read(raw);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).details).toEqual({ parameter: 'n' });
      expect((e as AppError).message).toBe('n must be an integer from 2 to 7');
    }
  });

  it('refuses a declaration without bounds or default at startup', () => {
    expect(() => intParamBounds(z.number().default(1) as never)).toThrow(/whole-number bounds/);
  });
});
