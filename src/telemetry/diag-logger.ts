import { DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { Logger } from '../lifecycle/logger';

/** OTEL_LOG_LEVEL values (lower-cased) and OpenTelemetry's levels. */
export const DIAG_LEVELS = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
} as const;

/** A message's kind for rate limiting: its start with numbers (ports, counts, ids) folded, so retries look alike. */
function kindOf(level: string, message: unknown): string {
  return `${level}:${String(message).slice(0, 80).replace(/\d+/g, '#')}`;
}

/**
 * The SDK's error handler logs an exception as its JSON (`{"stack":…,"message":"connect ECONNREFUSED …"}`): the
 * message then becomes the line's text and the rest its `err` field.
 */
function readable(message: unknown): { text: string; error?: Record<string, unknown> } {
  const text = String(message);
  if (!text.startsWith('{')) return { text };
  try {
    const error = JSON.parse(text) as Record<string, unknown>;
    return typeof error.message === 'string' ? { text: `export or SDK error: ${error.message}`, error } : { text };
  } catch {
    return { text };
  }
}

/**
 * OpenTelemetry's diagnostic logger, written through pino under `component: "opentelemetry"`. A failing exporter
 * reports every attempt (every batch, every interval); each kind of message is logged at most once per
 * `intervalMs`, with the number of repeats left out since the last line, so an unreachable collector is visible
 * without flooding the log.
 */
export class RateLimitedDiagLogger implements DiagLogger {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  private readonly log: Logger;

  constructor(
    logger: Logger,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.log = logger.child({ component: 'opentelemetry' });
  }

  error(message: string, ...args: unknown[]): void {
    this.write('error', message, args);
  }
  warn(message: string, ...args: unknown[]): void {
    this.write('warn', message, args);
  }
  info(message: string, ...args: unknown[]): void {
    this.write('info', message, args);
  }
  debug(message: string, ...args: unknown[]): void {
    this.write('debug', message, args);
  }
  verbose(message: string, ...args: unknown[]): void {
    this.write('trace', message, args);
  }

  private write(level: 'error' | 'warn' | 'info' | 'debug' | 'trace', message: string, args: unknown[]): void {
    try {
      const kind = kindOf(level, message);
      const now = this.now();
      const seen = this.last.get(kind);
      if (seen !== undefined && now - seen.at < this.intervalMs) {
        seen.suppressed++;
        return;
      }
      const suppressed = seen?.suppressed ?? 0;
      if (this.last.size > 1000) this.last.clear(); // bounded, whatever the messages
      this.last.set(kind, { at: now, suppressed: 0 });
      const detail = args.length > 0 ? { args: args.map((a) => (a instanceof Error ? a.message : a)) } : {};
      const { text, error } = readable(message);
      this.log[level]({ ...detail, ...(error ? { err: error } : {}), ...(suppressed > 0 ? { repeats_not_logged: suppressed } : {}) }, text);
    } catch {
      // Diagnostics never throw into the SDK or the app.
    }
  }
}
