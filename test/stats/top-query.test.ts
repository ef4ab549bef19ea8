import { describe, expect, it } from 'vitest';
import { parseTopQuery, topWeight } from '../../src/stats/top-query';
import { AppError } from '../../src/errors/app-error';

const NOW = Date.parse('2026-11-22T12:00:00Z');

function parameterOf(query: Record<string, unknown>): unknown {
  try {
    parseTopQuery(query, NOW);
  } catch (e) {
    if (e instanceof AppError && e.status === 400) return e.details.parameter;
    throw e;
  }
  throw new Error('expected a 400');
}

describe('parseTopQuery', () => {
  it('defaults to limit 10, all time', () => expect(parseTopQuery({}, NOW)).toEqual({ limit: 10 }));
  it('accepts limit 1 and 1000', () => {
    expect(parseTopQuery({ limit: '1' }, NOW).limit).toBe(1);
    expect(parseTopQuery({ limit: '1000' }, NOW).limit).toBe(1000);
  });
  it('turns a window into an instant', () => {
    expect(parseTopQuery({ window: '24h' }, NOW).sinceMs).toBe(NOW - 86_400_000);
    expect(parseTopQuery({ window: '7d' }, NOW).sinceMs).toBe(NOW - 7 * 86_400_000);
    expect(parseTopQuery({ window: '30m' }, NOW).sinceMs).toBe(NOW - 1_800_000);
  });
  it('accepts ISO-8601 dates and date-times', () => {
    expect(parseTopQuery({ since: '2026-11-21' }, NOW).sinceMs).toBe(Date.parse('2026-11-21T00:00:00Z'));
    expect(parseTopQuery({ since: '2026-11-21T10:30:00+02:00' }, NOW).sinceMs).toBe(Date.parse('2026-11-21T08:30:00Z'));
  });
  it('reads every field as written: no calendar roll-over, years 0–99 not taken for 1900–1999', () => {
    expect(parseTopQuery({ since: '2024-02-29T23:59:59.999Z' }, NOW).sinceMs).toBe(Date.parse('2024-02-29T23:59:59.999Z'));
    expect(parseTopQuery({ since: '2026-11-21 10:30' }, NOW).sinceMs).toBe(Date.parse('2026-11-21T10:30:00Z'));
    expect(parseTopQuery({ since: '2026-11-21T10:30:00.123456789-0130' }, NOW).sinceMs).toBe(Date.parse('2026-11-21T12:00:00.123Z'));
    expect(parseTopQuery({ since: '0001-01-01T00:00:00Z' }, NOW).sinceMs).toBe(Date.parse('0001-01-01T00:00:00Z'));
    expect(parseTopQuery({ since: '0099-12-31' }, NOW).sinceMs).toBe(Date.parse('0099-12-31T00:00:00Z'));
  });
  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ limit: '-3' }, 'limit'],
    [{ limit: '2.5' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ limit: ['1', '2'] }, 'limit'],
    [{ since: 'yesterday' }, 'since'],
    [{ since: '2026-13-45' }, 'since'],
    [{ since: '2030-01-01T00:00:00Z' }, 'since'],
    [{ since: '2026-02-30' }, 'since'],
    [{ since: '2025-02-29T00:00:00Z' }, 'since'],
    [{ since: '2026-13-01' }, 'since'],
    [{ since: '2026-00-10' }, 'since'],
    [{ since: '2026-04-31T10:00Z' }, 'since'],
    [{ since: '2026-11-21T24:61' }, 'since'],
    [{ since: '2026-11-21T24:00:00Z' }, 'since'],
    [{ since: '2026-11-21T10:00:60Z' }, 'since'],
    [{ since: '2026-11-21T10:00:00+24:00' }, 'since'],
    [{ window: '24' }, 'window'],
    [{ window: '0h' }, 'window'],
    [{ window: '5y' }, 'window'],
    [{ window: '99999d' }, 'window'],
    [{ since: '2026-11-21', window: '24h' }, 'window'],
  ])('rejects %j naming %s', (query, parameter) => expect(parameterOf(query)).toBe(parameter));
});

describe('topWeight', () => {
  it('all time up to limit 100 is cheap; a window of one type light; across all types, or past limit 100, heavy', () => {
    const now = Date.UTC(2026, 5, 1);
    expect(topWeight(parseTopQuery({ window: '24h' }, now), true)).toBe('heavy');
    expect(topWeight(parseTopQuery({ window: '3650d' }, now), false)).toBe('light');
    expect(topWeight(parseTopQuery({}, now), true)).toBe('cheap');
    expect(topWeight(parseTopQuery({ limit: '100' }, now), true)).toBe('cheap');
    expect(topWeight(parseTopQuery({ limit: '101' }, now), false)).toBe('heavy');
  });
});

describe('window in minutes', () => {
  it('takes 3650 days written in minutes (7 digits), and refuses one minute more', () => {
    const now = Date.UTC(2026, 5, 1);
    expect(parseTopQuery({ window: '5256000m' }, now).sinceMs).toBe(now - 3650 * 86_400_000);
    expect(() => parseTopQuery({ window: '5256001m' }, now)).toThrow(/window/);
    expect(() => parseTopQuery({ window: '99999999m' }, now)).toThrow(/window/);
  });
});
