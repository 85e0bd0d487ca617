import type { LogFields, Logger } from '../../src/application';

/** A logger that keeps every line and lets a test wait for one. */
export class AwaitableLogger implements Logger {
  readonly lines: { message: string; fields: LogFields | undefined }[] = [];
  private readonly waiters: { match: (message: string, fields: LogFields | undefined) => boolean; resolve: () => void }[] = [];

  debug(message: string, fields?: LogFields): void {
    this.add(message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.add(message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.add(message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.add(message, fields);
  }

  waitFor(match: (message: string, fields: LogFields | undefined) => boolean): Promise<void> {
    if (this.lines.some((line) => match(line.message, line.fields))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  private add(message: string, fields: LogFields | undefined): void {
    this.lines.push({ message, fields });
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.match(message, fields)) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }
}
