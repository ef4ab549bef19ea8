import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stdout; `err` objects are serialised with their stack. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'asset-catalogue' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
