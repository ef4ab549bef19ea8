import { describe, expect, it } from 'vitest';
import { monthStart, nextMonthStart, utcDateTime } from '../../src/db/time-grains';

describe('time grains', () => {
  it('builds UTC date-times of any year, 0–99 included (Date.UTC would read them as 1900–1999)', () => {
    expect(new Date(utcDateTime(1, 0)).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(new Date(utcDateTime(99, 11, 31, 23, 59, 59, 999)).toISOString()).toBe('0099-12-31T23:59:59.999Z');
    expect(utcDateTime(2026, 12)).toBe(Date.UTC(2027, 0, 1));
  });
  it('finds the month around an instant in years 0–99', () => {
    const at = Date.parse('0050-03-17T12:00:00Z');
    expect(new Date(monthStart(at)).toISOString()).toBe('0050-03-01T00:00:00.000Z');
    expect(new Date(nextMonthStart(at)).toISOString()).toBe('0050-04-01T00:00:00.000Z');
    expect(new Date(nextMonthStart(Date.parse('0099-12-05T00:00:00Z'))).toISOString()).toBe('0100-01-01T00:00:00.000Z');
  });
});
