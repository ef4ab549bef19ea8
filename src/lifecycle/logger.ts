import pino from 'pino';

export type Logger = pino.Logger;

/** What a secret becomes in a log line. */
export const REDACTED = '[REDACTED]';

/**
 * Structured JSON logs on stdout; `err` objects are serialised with their stack. Every line is scrubbed of the
 * `secrets` (the database password, the metrics token) just before it is written, whatever field or error message
 * carries them: a driver or library message quoting a URL cannot leak them.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, secrets: readonly string[] = []): Logger {
  const scrub = secrets.filter((secret) => secret.length > 0);
  return pino(
    {
      level,
      base: { service: 'asset-catalogue' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
      ...(scrub.length > 0 ? { hooks: { streamWrite: (line: string) => redactSecrets(line, scrub) } } : {}),
    },
    destination,
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
