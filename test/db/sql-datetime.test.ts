import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqlDateTime } from '../../src/db/sql-datetime';
import { nearbyTimeRuns } from '../support/nearby-times';

/** The plain formatting the cached one must always agree with. */
const reference = (epochMs: number) => new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '');

describe('sqlDateTime', () => {
  it('formats UTC with milliseconds, padded, as DATETIME(3) takes it', () => {
    expect(sqlDateTime(Date.UTC(2026, 10, 22, 9, 5, 7, 3))).toBe('2026-11-22 09:05:07.003');
    expect(sqlDateTime(Date.UTC(2026, 10, 22, 9, 5, 7, 45))).toBe('2026-11-22 09:05:07.045');
    expect(sqlDateTime(Date.UTC(2026, 10, 22, 9, 5, 7, 999))).toBe('2026-11-22 09:05:07.999');
    expect(sqlDateTime(0)).toBe('1970-01-01 00:00:00.000');
  });

  it('agrees with the plain formatting for any times', () => {
    fc.assert(fc.property(nearbyTimeRuns, (rs) => rs.every((run) => run.every((t) => sqlDateTime(t) === reference(t)))));
  });
});
