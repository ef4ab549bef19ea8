import { describe, expect, it } from 'vitest';
import { chooseExposition } from '../../src/telemetry/exposition-format';

/**
 * Hostile review of `/metrics` content negotiation: cases where the answer is a format the client did not ask for
 * although it asked for one we write. Media types are case-insensitive (RFC 9110 §8.3.1), and a type we cannot
 * produce (`text/html`, `application/json`) must not outbid one we can: the server picks the best *available* type.
 */
const PROTOBUF = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited';

describe('chooseExposition against hostile or unusual Accept headers', () => {
  it.each([
    // The type and subtype in upper or mixed case are the same media type.
    [PROTOBUF.replace('application/vnd.google.protobuf', 'APPLICATION/VND.GOOGLE.PROTOBUF'), 'protobuf'],
    [PROTOBUF.replace('application/vnd.google.protobuf', 'Application/Vnd.Google.Protobuf'), 'protobuf'],
    // A preferred type the server cannot write does not make the 0.0.4 text (not acceptable to this client) win over
    // the protobuf it does accept.
    [`text/html, ${PROTOBUF};q=0.8`, 'protobuf'],
    [`application/json;q=0.9, ${PROTOBUF};q=0.5`, 'protobuf'],
  ])('%s → %s', (accept, format) => {
    expect(chooseExposition(accept)).toBe(format);
  });
});
