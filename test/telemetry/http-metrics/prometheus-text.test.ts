import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpMetrics } from '../../../src/telemetry/http-metrics/http-metrics';
import { renderPrometheusText } from '../../../src/telemetry/http-metrics/prometheus-text';
import { fixedMetrics } from './fixtures/fixed-metrics';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
const options = { namespace: 'ns', subsystem: '', customLabels: { env: 'prod' } };

describe('renderPrometheusText, the default families', () => {
  // The golden files were written by the renderer before semantic-convention names existed: the seeds' dashboards
  // and alerts read exactly this, so the default must not change by a byte.
  it('renders the 0.0.4 text byte for byte as the golden file', () => {
    expect(renderPrometheusText(fixedMetrics((o) => new HttpMetrics(o)), options)).toBe(fixture('old.prom'));
  });

  it('renders OpenMetrics (with exemplars) byte for byte as the golden file', () => {
    expect(renderPrometheusText(fixedMetrics((o) => new HttpMetrics(o)), options, true)).toBe(fixture('old.om.txt'));
  });
});
