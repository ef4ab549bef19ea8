import { describe, expect, it } from 'vitest';
import { protocolVersionOf, semconvErrorType, semconvMethod, semconvStatus } from '../../../src/telemetry/http-metrics/semconv-attributes';

describe('semantic-convention attribute values', () => {
  it('keeps the standard\'s methods as sent and makes the rest _OTHER', () => {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE', 'QUERY']) expect(semconvMethod(method)).toBe(method);
    expect(semconvMethod('PROPFIND')).toBe('_OTHER');
    expect(semconvMethod('get')).toBe('_OTHER');
  });

  it('writes protocol versions as the standard does, bounded', () => {
    // An HTTP/1.x server answers every request line in 1.0 or 1.1, whatever version it claims.
    expect(['1.0', '1.1', '2.0', '3.0', '0.9', 'x.y', '11.1'].map(protocolVersionOf)).toEqual(['1.0', '1.1', '1.1', '1.1', '1.1', '1.1', '1.1']);
  });

  it('leaves out the status code of a client that hung up (499), keeps every other', () => {
    expect([200, 404, 499, 500, 503].map(semconvStatus)).toEqual([200, 404, 0, 500, 503]);
  });

  it('gives an error type to 5xx and hang-ups only: the class thrown, else the status code, else client_closed', () => {
    expect(semconvErrorType(200, undefined)).toBe('');
    expect(semconvErrorType(404, undefined)).toBe('');
    expect(semconvErrorType(429, undefined)).toBe('');
    expect(semconvErrorType(500, 'QueryError')).toBe('QueryError');
    expect(semconvErrorType(503, undefined)).toBe('503');
    expect(semconvErrorType(599, undefined)).toBe('599');
    expect(semconvErrorType(600, undefined)).toBe('');
    expect(semconvErrorType(499, undefined)).toBe('client_closed');
    expect(semconvErrorType(499, 'QueryError')).toBe('QueryError');
  });
});
