import { trace } from '@opentelemetry/api';
import pino from 'pino';
import { logTimestamp } from './log-timestamp';
import { stdoutPerTurn } from './stdout-per-turn';

export type Logger = pino.Logger;

/** What a secret becomes in a log line. */
export const REDACTED = '[REDACTED]';

export interface LoggerOptions {
  /** The database password, the metrics token: scrubbed from every line. */
  secrets?: readonly string[];
  /**
   * Add the active span's `trace_id`, `span_id` and `trace_flags` to every line written inside a traced request
   * (tracing on), so a trace leads to its log lines. Done with pino's `mixin` rather than instrumentation-pino: the
   * logger exists before the SDK starts (OpenTelemetry's diagnostics are written through it), and that
   * instrumentation only patches a pino loaded after it.
   */
  traceContext?: boolean;
}

const NO_FIELDS = Object.freeze({});

/** The active span's ids, as log fields (the field names instrumentation-pino and Grafana's derived fields use). */
function traceFields(): object {
  const span = trace.getActiveSpan();
  if (span === undefined) return NO_FIELDS;
  const context = span.spanContext();
  return { trace_id: context.traceId, span_id: context.spanId, trace_flags: `0${context.traceFlags.toString(16)}` };
}

/**
 * Structured JSON logs on stdout; `err` objects are serialised with their stack. Every line is scrubbed of the
 * `secrets` (the database password, the metrics token) just before it is written, whatever field or error message
 * carries them: a driver or library message quoting a URL cannot leak them.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, options: LoggerOptions = {}): Logger {
  const scrub = (options.secrets ?? []).filter((secret) => secret.length > 0);
  return pino(
    {
      level,
      base: { service: 'asset-catalogue' },
      timestamp: logTimestamp,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
      // Outside a span the mixin returns one shared empty object: merge nothing into it rather than allocate a new one.
      ...(options.traceContext
        ? { mixin: traceFields, mixinMergeStrategy: (line: object, fields: object) => (fields === NO_FIELDS ? line : Object.assign(fields, line)) }
        : {}),
      ...(scrub.length > 0 ? { hooks: { streamWrite: (line: string) => redactSecrets(line, scrub) } } : {}),
    },
    destination ?? stdoutPerTurn(),
  );
}

/** `text` with every occurrence of each secret (and of its JSON-escaped form) replaced. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
      if (out.includes(form)) out = out.split(form).join(REDACTED);
    }
  }
  return out;
}
