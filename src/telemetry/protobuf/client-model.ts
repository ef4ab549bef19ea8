import protobuf from 'protobufjs';

/**
 * The Prometheus client data model (`io.prometheus.client`, prometheus/client_model `metrics.proto`, Apache-2.0), the
 * schema of the protobuf exposition format. Only the messages a scrape needs; field numbers are the published ones,
 * native-histogram fields included (schema 5 … positive_delta 13). Kept as text in a module rather than as a `.proto`
 * file so the compiled service needs nothing beside its JavaScript.
 */
const CLIENT_MODEL_PROTO = `
syntax = "proto2";
package io.prometheus.client;

message LabelPair {
  optional string name  = 1;
  optional string value = 2;
}

enum MetricType {
  COUNTER         = 0;
  GAUGE           = 1;
  SUMMARY         = 2;
  UNTYPED         = 3;
  HISTOGRAM       = 4;
  GAUGE_HISTOGRAM = 5;
}

message Gauge {
  optional double value = 1;
}

message Counter {
  optional double   value    = 1;
  optional Exemplar exemplar = 2;
}

message Untyped {
  optional double value = 1;
}

message Histogram {
  optional uint64 sample_count       = 1;
  optional double sample_sum         = 2;
  repeated Bucket bucket             = 3;
  optional sint32 schema             = 5;
  optional double zero_threshold     = 6;
  optional uint64 zero_count         = 7;
  repeated BucketSpan negative_span  = 9;
  repeated sint64 negative_delta     = 10;
  repeated BucketSpan positive_span  = 12;
  repeated sint64 positive_delta     = 13;
}

message Bucket {
  optional uint64   cumulative_count = 1;
  optional double   upper_bound      = 2;
  optional Exemplar exemplar         = 3;
}

message BucketSpan {
  optional sint32 offset = 1;
  optional uint32 length = 2;
}

// google.protobuf.Timestamp, declared here: the wire format is the same whatever the message is called.
message Timestamp {
  optional int64 seconds = 1;
  optional int32 nanos   = 2;
}

message Exemplar {
  repeated LabelPair label     = 1;
  optional double    value     = 2;
  optional Timestamp timestamp = 3;
}

message Metric {
  repeated LabelPair label        = 1;
  optional Gauge     gauge        = 2;
  optional Counter   counter      = 3;
  optional Untyped   untyped      = 5;
  optional Histogram histogram    = 7;
}

message MetricFamily {
  optional string     name   = 1;
  optional string     help   = 2;
  optional MetricType type   = 3;
  repeated Metric     metric = 4;
}
`;

const root = protobuf.parse(CLIENT_MODEL_PROTO, { keepCase: true }).root;

/** `io.prometheus.client.MetricFamily`, with protobufjs' generated encoder and decoder. */
export const MetricFamilyType = root.lookupType('io.prometheus.client.MetricFamily');

/** The values of `MetricType`. */
export const MetricType = { COUNTER: 0, GAUGE: 1, SUMMARY: 2, UNTYPED: 3, HISTOGRAM: 4 } as const;

/** The messages as plain objects, as protobufjs encodes them (field names as in the schema). */
export interface LabelPair {
  name: string;
  value: string;
}

export interface ExemplarMessage {
  label: LabelPair[];
  value: number;
  /** google.protobuf.Timestamp's fields; the wire format does not carry the message's name. */
  timestamp?: { seconds: number; nanos: number };
}

export interface BucketSpan {
  offset: number;
  length: number;
}

export interface HistogramMessage {
  sample_count: number;
  sample_sum: number;
  bucket: Array<{ cumulative_count: number; upper_bound: number; exemplar?: ExemplarMessage }>;
  schema?: number;
  zero_threshold?: number;
  zero_count?: number;
  positive_span?: BucketSpan[];
  positive_delta?: number[];
}

export interface MetricMessage {
  label: LabelPair[];
  gauge?: { value: number };
  counter?: { value: number; exemplar?: ExemplarMessage };
  untyped?: { value: number };
  histogram?: HistogramMessage;
}

export interface MetricFamilyMessage {
  name: string;
  help: string;
  type: (typeof MetricType)[keyof typeof MetricType];
  metric: MetricMessage[];
}

/** The protobuf exposition: each family length-delimited (a varint byte count, then the message), one after another. */
export function encodeDelimited(families: readonly MetricFamilyMessage[]): Buffer {
  const writer = protobuf.Writer.create();
  for (const family of families) MetricFamilyType.encodeDelimited(family, writer);
  return Buffer.from(writer.finish());
}

/** Reads a protobuf exposition back (for tests and the benchmark's checks). */
export function decodeDelimited(body: Uint8Array): MetricFamilyMessage[] {
  const reader = protobuf.Reader.create(body);
  const families: MetricFamilyMessage[] = [];
  while (reader.pos < reader.len) {
    const message = MetricFamilyType.decodeDelimited(reader);
    families.push(MetricFamilyType.toObject(message, { longs: Number, enums: Number, defaults: false, arrays: true }) as MetricFamilyMessage);
  }
  return families;
}
