import { describe, expect, it } from 'vitest';
import { parseTopQuery } from '../../src/stats/top-query';

// The server's zone must not matter: run the parser as a server in Berlin would.
process.env.TZ = 'Europe/Berlin';

describe('since without an offset', () => {
  it('is read as UTC, never in the server time zone', () => {
    expect(new Date(Date.UTC(2026, 0, 1, 10)).getTimezoneOffset()).toBe(-60); // the zone did change
    const now = Date.UTC(2026, 5, 1);
    expect(parseTopQuery({ since: '2026-01-01T10:00:00' }, now).sinceMs).toBe(Date.UTC(2026, 0, 1, 10));
    expect(parseTopQuery({ since: '2026-01-01 10:00' }, now).sinceMs).toBe(Date.UTC(2026, 0, 1, 10));
    expect(parseTopQuery({ since: '2026-01-01T10:00:00.250' }, now).sinceMs).toBe(Date.UTC(2026, 0, 1, 10, 0, 0, 250));
    expect(parseTopQuery({ since: '2026-01-01' }, now).sinceMs).toBe(Date.UTC(2026, 0, 1));
  });

  it('keeps an explicit offset', () => {
    const now = Date.UTC(2026, 5, 1);
    expect(parseTopQuery({ since: '2026-01-01T10:00:00+01:00' }, now).sinceMs).toBe(Date.UTC(2026, 0, 1, 9));
    expect(parseTopQuery({ since: '2026-01-01T10:00:00Z' }, now).sinceMs).toBe(Date.UTC(2026, 0, 1, 10));
  });
});
