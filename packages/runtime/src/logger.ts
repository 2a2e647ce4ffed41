// One pino root per process: JSON lines on stdout, secrets redacted wherever they commonly
// appear (headers, config objects, MCP transport settings). Modules take `.child({ component })`.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'clientSecret',
  'password',
  'apiKey',
  'cookie',
];

/** Redaction paths for secrets at the top level and up to three levels deep. */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((k) => [
  k,
  `*.${k}`,
  `*.*.${k}`,
  `*.*.*.${k}`,
]);

export interface CreateLoggerOptions {
  readonly name: string;
  /** A pino level name (LOG_LEVEL); default info. */
  readonly level?: string;
  /** Where to write; default stdout. Tests pass a stream to read the output. */
  readonly destination?: DestinationStream;
  /** Fields on every line. */
  readonly base?: Readonly<Record<string, unknown>>;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      base: { pid: process.pid, ...options.base },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
