import { pino, type DestinationStream, type Logger } from 'pino';

export type Log = Logger;

/** Paths that may hold secrets anywhere in a log record; pino replaces them before writing. */
export const redactedPaths = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
  'adminToken',
  '*.adminToken',
  'appSecret',
  '*.appSecret',
  'config.resend.apiKey',
  'databaseUrl',
  '*.databaseUrl',
];

/** Structured JSON logs. `destination` lets tests capture the lines. */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Log {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'tracker-alerts' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // pino's browser build (the Workers bundle): one object per record to console, redacted too.
      browser: { asObject: true },
    },
    options.destination,
  );
}
