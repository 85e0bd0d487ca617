import type { LogFields, Logger } from '../../application/ports';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

type WritableLevel = Exclude<LogLevel, 'silent'>;

const SEVERITY: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

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

export interface JsonLoggerOptions {
  /** Lines below this level are dropped; 'silent' drops everything. Default 'info'. */
  level?: LogLevel;
  /** Default process.stdout. */
  stream?: NodeJS.WritableStream;
}

/** One JSON object per line: {"time":ISO,"level":...,"msg":...,...fields}. */
export class JsonLogger implements Logger {
  private readonly minimum: number;
  private readonly stream: NodeJS.WritableStream;

  constructor(options: JsonLoggerOptions = {}) {
    this.minimum = SEVERITY[options.level ?? 'info'];
    this.stream = options.stream ?? process.stdout;
    guardAgainstWriteErrors(this.stream);
  }

  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
  }

  private write(level: WritableLevel, message: string, fields: LogFields | undefined): void {
    if (SEVERITY[level] < this.minimum) return;
    const entry: Record<string, string | number | boolean | null | undefined> = {
      time: new Date().toISOString(),
      level,
      msg: message,
    };
    if (fields !== undefined) {
      for (const [key, value] of Object.entries(fields)) {
        // A field may not overwrite the envelope; keep it under a prefixed name instead.
        entry[RESERVED_KEYS.has(key) ? `field_${key}` : key] = value;
      }
    }
    // JSON.stringify escapes newlines, so one call is always exactly one line.
    this.stream.write(`${JSON.stringify(entry)}\n`);
  }
}

const guarded = new WeakSet<NodeJS.WritableStream>();

/** A log pipe closed by its reader (EPIPE) must not take the server down with it. */
function guardAgainstWriteErrors(stream: NodeJS.WritableStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', () => undefined);
}
