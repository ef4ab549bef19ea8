import { describe, expect, it } from 'vitest';
import { chooseExposition } from '../../src/telemetry/exposition-format';

const PROTOBUF = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited';

describe('chooseExposition', () => {
  it.each([
    // What Prometheus 2.42 sends with native histograms on, and without.
    [`${PROTOBUF},application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1`, 'protobuf'],
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'openmetrics'],
    [undefined, 'text'],
    ['*/*', 'text'],
    ['text/plain', 'text'],
    // Parameters in any case and order, spaces, quotes.
    ['application/vnd.google.protobuf; encoding="delimited"; PROTO=io.prometheus.client.MetricFamily', 'protobuf'],
    // Protobuf only when the scraper prefers it: a higher quality elsewhere wins, q=0 refuses it.
    [`${PROTOBUF};q=0.5,application/openmetrics-text;version=1.0.0`, 'openmetrics'],
    [`${PROTOBUF};q=0.5,text/plain;q=0.9`, 'text'],
    [`${PROTOBUF};q=0,text/plain`, 'text'],
    // Another message type or the text encoding of protobuf is not what we write.
    ['application/vnd.google.protobuf;proto=io.prometheus.client.Other;encoding=delimited', 'text'],
    ['application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text', 'text'],
    [`${PROTOBUF};q=abc`, 'text'],
  ])('%s → %s', (accept, format) => {
    expect(chooseExposition(accept)).toBe(format);
  });
});
