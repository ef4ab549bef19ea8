/**
 * Tracing, loaded only when an exporter is named (`start-telemetry.ts` requires this file then, and only then): the
 * instrumentation metapackage loads every bundled instrumentation module when required, which with tracing off would
 * cost startup time and memory for nothing.
 */
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Instrumentations on by default (names as in OTEL_NODE_ENABLED_INSTRUMENTATIONS): the server, the router and the
 * database driver. `fs`, `dns`, `net` and the rest of the metapackage stay off unless named. Not `pino`: it patches
 * only a pino loaded after it, and the service's logger exists before the SDK starts (OpenTelemetry's diagnostics are
 * written through it), so it would only warn; the logger puts the trace ids on its lines itself (`createLogger`).
 */
export const DEFAULT_INSTRUMENTATIONS = ['http', 'koa', 'mysql2'] as const;

/**
 * Longest span attribute value kept when neither OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT nor
 * OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT is set (the SDK's own default is no limit): a windowed stats query is a UNION of
 * one ranked read per period, tens of KB of SQL, and every mysql2 span would carry all of it in `db.query.text`.
 */
export const DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = 4096;

export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Starts the NodeSDK with the instrumentations of `@opentelemetry/auto-instrumentations-node`, honouring the standard
 * OTEL_NODE_ENABLED_INSTRUMENTATIONS (default: `DEFAULT_INSTRUMENTATIONS`) and OTEL_NODE_DISABLED_INSTRUMENTATIONS
 * (applied after). SQL statements stay masked. Must run before http, koa and mysql2 are loaded.
 */
export function startTracing(resource: Resource, exporters: Array<'otlp' | 'console'>, env: NodeJS.ProcessEnv = process.env): Tracing {
  // The metapackage reads the variable itself; our default stands in for "unset" (its own default is everything).
  const enabledBefore = env.OTEL_NODE_ENABLED_INSTRUMENTATIONS;
  if (!enabledBefore) env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = DEFAULT_INSTRUMENTATIONS.join(',');
  let instrumentations: ReturnType<typeof getNodeAutoInstrumentations>;
  try {
    instrumentations = getNodeAutoInstrumentations({
      // No literal values in spans: statements are masked.
      '@opentelemetry/instrumentation-mysql2': { maskStatement: true },
    });
  } finally {
    if (!enabledBefore) delete env.OTEL_NODE_ENABLED_INSTRUMENTATIONS;
  }
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    // Explicit (empty) lists: left out, the SDK would default metrics and logs to OTLP on localhost:4318.
    metricReaders: [],
    logRecordProcessors: [],
    spanProcessors: exporters.map((name) =>
      name === 'otlp' ? new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }) : new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }),
    ),
    instrumentations,
    // Only when the standard variables say nothing: spanLimits given here would override them.
    ...(env.OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT || env.OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT
      ? {}
      : { spanLimits: { attributeValueLengthLimit: DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT } }),
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
