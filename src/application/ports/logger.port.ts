export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Structured log lines. Never give it a password or message content. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
