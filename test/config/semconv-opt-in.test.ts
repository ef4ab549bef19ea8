import { describe, expect, it } from 'vitest';
import { httpSemconvModeOf } from '../../src/config/semconv-opt-in';

describe('httpSemconvModeOf (OTEL_SEMCONV_STABILITY_OPT_IN)', () => {
  it.each([
    [undefined, 'old'],
    ['', 'old'],
    ['database', 'old'],
    ['database/dup,messaging', 'old'],
    ['https', 'old'],
    ['http', 'stable'],
    [' HTTP ', 'stable'],
    ['database,http', 'stable'],
    ['http/dup', 'dup'],
    ['Http/Dup', 'dup'],
    ['http/dup,database', 'dup'],
    // As OpenTelemetry JS reads it: http/dup wins wherever each appears.
    ['http,http/dup', 'dup'],
    ['http/dup,http', 'dup'],
    ['database , http/dup , http', 'dup'],
  ])('%j → %s', (value, mode) => {
    expect(httpSemconvModeOf(value)).toBe(mode);
  });
});
