import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import type { LogFields, Logger } from '../../application/ports';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** What replaces a redacted value. */
export const REDACTED = '[redacted]';

/**
 * Field names whose values are never written, whoever passes them: secrets and user
 * content. Callers are told not to log them (see the Logger port); this is the net
 * under that rule. `reason` is not here: "connection closed" lines carry the server's
 * own close reason under it, and report reasons are never given to the logger.
 */
export const REDACTED_KEYS: readonly string[] = [
  'password',
  'token',
  'sessionToken',
  'content',
  'text',
  'payload',
  'authorization',
];

/** The keys at the top and one level down (fields are flat today; an embedder's object may not be). */
const REDACT_PATHS: readonly string[] = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`]);

/** The envelope every line starts with; a field by one of these names is kept as `field_<name>`. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['time', 'level', 'msg']);

function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

/** Reads a level name (case and surrounding spaces ignored); unset or blank means 'info'. */
export function parseLogLevel(text: string | undefined): LogLevel {
  if (text === undefined) return 'info';
  const word = text.trim().toLowerCase();
  if (word === '') return 'info';
  if (isLogLevel(word)) return word;
  throw new Error(`Unknown log level "${text}"; expected one of: ${LOG_LEVELS.join(', ')}`);
}

export interface PinoLoggerOptions {
  /** Lines below this level are dropped; 'silent' drops everything. Default 'info'. */
  level?: LogLevel;
  /**
   * Where lines go. Default: standard output, written synchronously, so the lines
   * logged just before `process.exit` are not lost.
   */
  stream?: NodeJS.WritableStream | DestinationStream;
}

/**
 * One JSON object per line, written by pino:
 * {"level":"info","time":"<ISO 8601>",...fields,"msg":"..."}. Values of the
 * REDACTED_KEYS fields are replaced by "[redacted]".
 */
export class PinoLogger implements Logger {
  private readonly pino: Pino;

  constructor(options: PinoLoggerOptions = {}) {
    const stream = options.stream ?? pino.destination({ dest: 1, sync: true });
    guardAgainstWriteErrors(stream);
    this.pino = pino(
      {
        level: options.level ?? 'info',
        // No pid or hostname: the lines carry what the server logs, nothing more.
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      },
      stream,
    );
  }

  debug(message: string, fields?: LogFields): void {
    this.pino.debug(envelopeSafe(fields), message);
  }

  info(message: string, fields?: LogFields): void {
    this.pino.info(envelopeSafe(fields), message);
  }

  warn(message: string, fields?: LogFields): void {
    this.pino.warn(envelopeSafe(fields), message);
  }

  error(message: string, fields?: LogFields): void {
    this.pino.error(envelopeSafe(fields), message);
  }
}

/** The lines' old name, kept for embedders that construct it. */
export const JsonLogger = PinoLogger;
export type JsonLogger = PinoLogger;
export type JsonLoggerOptions = PinoLoggerOptions;

/** The fields with any envelope name moved aside: pino would otherwise write a second "msg" or "level". */
function envelopeSafe(fields: LogFields | undefined): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  if (fields === undefined) return entry;
  for (const [key, value] of Object.entries(fields)) {
    entry[RESERVED_KEYS.has(key) ? `field_${key}` : key] = value;
  }
  return entry;
}

interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

function emitsErrors(stream: object): stream is ErrorEmitter {
  return 'on' in stream && typeof stream.on === 'function';
}

const guarded = new WeakSet<object>();

/** A log pipe closed by its reader (EPIPE) must not take the server down with it. */
function guardAgainstWriteErrors(stream: object): void {
  if (guarded.has(stream) || !emitsErrors(stream)) return;
  guarded.add(stream);
  stream.on('error', () => undefined);
}
