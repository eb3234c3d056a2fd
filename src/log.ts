import { type DestinationStream, type Logger, pino } from 'pino';

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
  'smtpUrl',
  '*.smtpUrl',
  // An OpenPGP key pasted by a subscriber (a secret key by mistake, even): never written out.
  'armoredKey',
  '*.armoredKey',
];

/** Log lines on stderr, for the operator commands: their stdout is for people. */
export const stderrDestination = (): DestinationStream => pino.destination({ fd: 2, sync: true });

/** Structured JSON logs. `destination` lets tests capture the lines. */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Log {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'tracker-alerts' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err },
      // pino's browser build (the Workers bundle): redacted records as JSON lines on the console.
      browser: { asObject: true, serialize: true, write: writeJsonLine },
    },
    options.destination,
  );
}

/** Workers Logs index a JSON line's fields; errors (level 50 and up) go to console.error. */
function writeJsonLine(record: object): void {
  const line = JSON.stringify(record);
  if (((record as { level?: number }).level ?? 0) >= 50) console.error(line);
  else console.log(line);
}
