import { describe, expect, it } from 'vitest';
import { staticTokenMatcher } from '../../src/auth/static-token';

describe('staticTokenMatcher', () => {
  const matches = staticTokenMatcher('0123456789abcdef-token');

  it('accepts the configured token only', () => {
    expect(matches('0123456789abcdef-token')).toBe(true);
    for (const other of ['', '0123456789abcdef-toke', '0123456789abcdef-tokenX', '0123456789ABCDEF-token', 'x'.repeat(10_000)]) {
      expect(matches(other), other).toBe(false);
    }
  });

  it('compares digests, so presented tokens of any length are compared (no length mismatch to throw or leak)', () => {
    expect(() => matches('a')).not.toThrow();
    expect(() => matches('a'.repeat(100_000))).not.toThrow();
  });
});
