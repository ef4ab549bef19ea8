import fc from 'fast-check';
import { describe, it } from 'vitest';
import { logTimestamp } from '../../src/lifecycle/log-timestamp';
import { nearbyTimeRuns } from '../support/nearby-times';

describe('logTimestamp', () => {
  it('is the `time` field pino splices into a line: ISO 8601 UTC with milliseconds, as pino.stdTimeFunctions.isoTime', () => {
    fc.assert(fc.property(nearbyTimeRuns, (rs) => rs.every((run) => run.every((t) => logTimestamp(t) === `,"time":"${new Date(t).toISOString()}"`))));
  });
});
