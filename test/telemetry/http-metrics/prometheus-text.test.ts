import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpMetrics } from '../../../src/telemetry/http-metrics/http-metrics';
import { renderPrometheusText } from '../../../src/telemetry/http-metrics/prometheus-text';
import { promtool } from '../../support/prometheus';
import { fixedMetrics } from './fixtures/fixed-metrics';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
const options = { namespace: 'ns', subsystem: '', customLabels: { env: 'prod' } };
const render = (semconv: 'old' | 'stable' | 'dup' | undefined, openMetrics = false) =>
  renderPrometheusText(fixedMetrics((o) => new HttpMetrics(o), semconv ? { semconv } : {}), options, openMetrics);

describe('renderPrometheusText, the default families', () => {
  // The golden files were written by the renderer before semantic-convention names existed: the seeds' dashboards
  // and alerts read exactly this, so the default must not change by a byte.
  it('renders the 0.0.4 text byte for byte as the golden file', () => {
    expect(render(undefined)).toBe(fixture('old.prom'));
    expect(render('old')).toBe(fixture('old.prom'));
  });

  it('renders OpenMetrics (with exemplars) byte for byte as the golden file', () => {
    expect(render(undefined, true)).toBe(fixture('old.om.txt'));
    expect(render('old', true)).toBe(fixture('old.om.txt'));
  });

  it('has no semantic-convention family', () => {
    expect(render('old')).not.toContain('http_server_request_duration_seconds');
  });
});

describe('renderPrometheusText with OTEL_SEMCONV_STABILITY_OPT_IN', () => {
  it('http: only http_server_request_duration_seconds, unprefixed, as the golden files', () => {
    const text = render('stable');
    expect(text).toBe(fixture('stable.prom'));
    expect(render('stable', true)).toBe(fixture('stable.om.txt'));
    expect([...new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]))]).toEqual(['http_server_request_duration_seconds']);
  });

  it('http: labels of a 200, a 404 with no route, a thrown 500, a 503, a client that hung up, an unknown method', () => {
    const text = render('stable');
    const count = (labels: string) => new RegExp(`^http_server_request_duration_seconds_count\\{${labels.replace(/[{}()[\].*+?^$|\\/]/g, '\\$&')},env="prod"\\} (\\d+)$`, 'm').exec(text)?.[1];
    expect(count('http_request_method="GET",http_route="/datasets/:id",http_response_status_code="200",url_scheme="http",network_protocol_version="1.1"')).toBe('2');
    // No route matched: http.route is left out, not written as "none".
    expect(count('http_request_method="GET",http_response_status_code="404",url_scheme="http",network_protocol_version="1.1"')).toBe('1');
    expect(count('http_request_method="GET",http_route="/datasets",http_response_status_code="500",error_type="QueryError",url_scheme="http",network_protocol_version="1.1"')).toBe('1');
    // A 5xx that threw nothing: the status code is the error type.
    expect(count('http_request_method="GET",http_route="/datasets",http_response_status_code="503",error_type="503",url_scheme="http",network_protocol_version="1.1"')).toBe('1');
    // The client hung up: no status was sent, so none is recorded; the error type says what happened.
    expect(count('http_request_method="POST",http_route="/datasets",error_type="client_closed",url_scheme="http",network_protocol_version="1.1"')).toBe('1');
    expect(count('http_request_method="_OTHER",http_response_status_code="404",url_scheme="http",network_protocol_version="1.1"')).toBe('1');
    expect(count('http_request_method="POST",http_route="/datasets",http_response_status_code="201",url_scheme="https",network_protocol_version="1.0"')).toBe('1');
    expect(text).not.toContain('"none"');
    expect(text).not.toContain('/health'); // excluded handlers stay excluded
    expect(text).not.toMatch(/error_type="[^"]*",.*http_response_status_code="(2|4)\d\d"/);
  });

  it('http: the standard buckets, with exemplars in OpenMetrics only', () => {
    const les = [...render('stable').matchAll(/^http_server_request_duration_seconds_bucket\{http_request_method="GET",http_route="\/datasets\/:id",http_response_status_code="200",[^}]*le="([^"]+)"\}/gm)].map((m) => m[1]);
    expect(les).toEqual(['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf']);
    expect(render('stable')).not.toContain('# {');
    expect(render('stable', true)).toMatch(
      /^http_server_request_duration_seconds_bucket\{http_request_method="GET",http_route="\/datasets\/:id",http_response_status_code="200",url_scheme="http",network_protocol_version="1\.1",env="prod",le="0\.025"\} 1 # \{trace_id="a{32}",span_id="a{16}"\} 0\.012 1764080000\.123$/m,
    );
  });

  it('http/dup: today\'s families byte for byte, then the semantic-convention one', () => {
    expect(render('dup')).toBe(fixture('old.prom') + fixture('stable.prom'));
    expect(render('dup', true)).toBe(fixture('old.om.txt') + fixture('stable.om.txt'));
  });

  it.each(['stable', 'dup'] as const)('%s: passes promtool check metrics', (mode) => {
    const result = promtool(['check', 'metrics'], render(mode));
    expect(result.status, result.output).toBe(0);
  });
});
