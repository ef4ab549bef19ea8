import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED } from '../../src/lifecycle/logger';
import { CapturedLogs } from '../support/test-service';

describe('createLogger', () => {
  it('scrubs every secret from every line, whatever field or error message carries it', () => {
    const logs = new CapturedLogs();
    const logger = createLogger('info', logs, { secrets: ['s3cr"et', 'tok3n'] });
    logger.info({ url: 'mysql://u:s3cr"et@h/db' }, 'connecting');
    logger.error({ err: new Error('auth failed with tok3n') }, 'tok3n rejected');
    logger.child({ header: 'Bearer tok3n' }).warn('child');
    const text = JSON.stringify(logs.lines);
    expect(text).not.toMatch(/s3cr|tok3n/);
    expect(logs.lines[0]?.url).toBe(`mysql://u:${REDACTED}@h/db`);
    expect(logs.lines[1]?.msg).toBe(`${REDACTED} rejected`);
    expect(logs.lines).toHaveLength(3);
  });

  it('writes lines unchanged when there is no secret', () => {
    const logs = new CapturedLogs();
    createLogger('info', logs).info({ a: 1 }, 'plain');
    expect(logs.lines[0]).toMatchObject({ a: 1, msg: 'plain' });
  });
});
