import { describe, expect, it } from 'vitest';
import { RateLimitedDiagLogger } from '../../src/telemetry/diag-logger';
import { createLogger } from '../../src/lifecycle/logger';
import { CapturedLogs } from '../support/test-service';

describe('RateLimitedDiagLogger', () => {
  it('logs each kind of message at most once per interval, then says how many repeats it left out', () => {
    const logs = new CapturedLogs();
    let now = 0;
    const diag = new RateLimitedDiagLogger(createLogger('debug', logs), 60_000, () => now);
    for (let i = 0; i < 50; i++) diag.error(`export failed: connect ECONNREFUSED 127.0.0.1:${4000 + i}`);
    diag.warn('Dropped 12 spans because maxQueueSize reached');
    now = 61_000;
    diag.error('export failed: connect ECONNREFUSED 127.0.0.1:4318');
    expect(logs.lines.map((l) => [l.level, l.msg, l.repeats_not_logged])).toEqual([
      ['error', 'export failed: connect ECONNREFUSED 127.0.0.1:4000', undefined],
      ['warn', 'Dropped 12 spans because maxQueueSize reached', undefined],
      ['error', 'export failed: connect ECONNREFUSED 127.0.0.1:4318', 49],
    ]);
    expect(logs.lines.every((l) => l.component === 'opentelemetry')).toBe(true);
  });

  it('turns the SDK error handler\'s JSON into a readable line with the error as a field', () => {
    const logs = new CapturedLogs();
    const diag = new RateLimitedDiagLogger(createLogger('debug', logs));
    diag.error(JSON.stringify({ stack: 'Error: connect ECONNREFUSED\n  at x', message: 'connect ECONNREFUSED 127.0.0.1:4318', code: 'ECONNREFUSED' }));
    expect(logs.lines[0]).toMatchObject({ msg: 'export or SDK error: connect ECONNREFUSED 127.0.0.1:4318', err: { code: 'ECONNREFUSED' } });
  });
});
