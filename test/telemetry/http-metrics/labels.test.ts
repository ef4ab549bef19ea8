import { describe, expect, it } from 'vitest';
import { boundMethod, escapeLabelValue, metricName, statusKey, statusLabel } from '../../../src/telemetry/http-metrics/labels';

describe('label bounding', () => {
  it('keeps standard methods and folds the rest into other', () => {
    expect(boundMethod('GET')).toBe('GET');
    expect(boundMethod('PROPFIND')).toBe('other');
    expect(boundMethod('get')).toBe('other');
  });

  it('labels statuses exactly or by class', () => {
    expect(statusLabel(statusKey(404, false), false)).toBe('404');
    expect(statusLabel(statusKey(404, true), true)).toBe('4xx');
    expect(statusLabel(statusKey(201, true), true)).toBe('2xx');
  });

  it('escapes label values', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });

  it('prefixes names with namespace and subsystem', () => {
    expect(metricName('', '', 'http_requests_total')).toBe('http_requests_total');
    expect(metricName('ns', '', 'x')).toBe('ns_x');
    expect(metricName('ns', 'sub', 'x')).toBe('ns_sub_x');
    expect(metricName('', 'sub', 'x')).toBe('sub_x');
  });
});
