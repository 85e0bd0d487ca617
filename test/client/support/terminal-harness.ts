import { PassThrough } from 'node:stream';
import { runTerminalClient, type TerminalClientOptions } from '../../../src/client/terminal/terminal-client';

/** Times are local and vary: `[14:03]` becomes `[hh:mm]`, ` at 14:03` becomes ` at hh:mm`. */
export function maskTimes(text: string): string {
  return text.replace(/\[\d\d:\d\d\]/g, '[hh:mm]').replace(/ at \d\d:\d\d/g, ' at hh:mm');
}

/** Drops ANSI control sequences (cursor moves, line clears) that interactive mode writes. */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

/**
 * The terminal client running in this process on in-memory streams: the test types
 * lines and waits for what it prints.
 */
export class TerminalHarness {
  readonly input = new PassThrough();
  readonly output = new PassThrough();
  readonly errorOutput = new PassThrough();
  /** Everything printed so far, control sequences included. */
  text = '';
  errorText = '';
  /** Where the next `waitFor` starts looking, in the output without control sequences. */
  private cursor = 0;
  private readonly waiters: { pattern: RegExp; resolve: (match: string) => void }[] = [];
  private readonly anywhereWaiters: { pattern: RegExp; resolve: () => void }[] = [];
  readonly exitCode: Promise<number>;

  constructor(options: Omit<TerminalClientOptions, 'input' | 'output'>) {
    this.output.setEncoding('utf8');
    this.output.on('data', (chunk: string) => {
      this.text += chunk;
      this.check();
    });
    this.errorOutput.setEncoding('utf8');
    this.errorOutput.on('data', (chunk: string) => {
      this.errorText += chunk;
    });
    this.exitCode = runTerminalClient({
      host: '127.0.0.1',
      interactive: false,
      drainMs: 0,
      errorOutput: this.errorOutput,
      ...options,
      input: this.input,
      output: this.output,
    });
  }

  /** Types lines (each ends with a newline). */
  type(...lines: string[]): void {
    for (const line of lines) this.input.write(`${line}\n`);
  }

  /** Types without pressing enter. */
  typePartial(text: string): void {
    this.input.write(text);
  }

  /** Ends the input (Ctrl-D, or the end of a script). */
  end(): Promise<number> {
    this.input.end();
    return this.exitCode;
  }

  /**
   * Resolves with the output (control sequences dropped) from the previous match up
   * to and including the first match of `pattern`; fails after `timeoutMs` showing
   * what was printed.
   */
  waitFor(pattern: string | RegExp, timeoutMs = 5000): Promise<string> {
    const regex = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(
          new Error(`terminal did not print ${regex} within ${timeoutMs} ms; after the last match it printed:\n${stripAnsi(this.text).slice(this.cursor)}`),
        );
      }, timeoutMs);
      const waiter = {
        pattern: regex,
        resolve: (text: string) => {
          clearTimeout(timer);
          resolve(text);
        },
      };
      this.waiters.push(waiter);
      this.check();
    });
  }

  /**
   * Resolves once `pattern` appears anywhere in the output, before or after the last
   * match (for a push whose place among the replies is not fixed); moves nothing.
   */
  printed(pattern: RegExp, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.anywhereWaiters.splice(this.anywhereWaiters.indexOf(waiter), 1);
        reject(new Error(`terminal did not print ${pattern} within ${timeoutMs} ms; it printed:\n${stripAnsi(this.text)}`));
      }, timeoutMs);
      const waiter = {
        pattern,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.anywhereWaiters.push(waiter);
      this.check();
    });
  }

  private check(): void {
    const plain = stripAnsi(this.text);
    for (let i = this.anywhereWaiters.length - 1; i >= 0; i--) {
      const waiter = this.anywhereWaiters[i]!;
      if (waiter.pattern.test(plain)) {
        this.anywhereWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
    while (this.waiters.length > 0) {
      const waiter = this.waiters[0]!;
      const match = waiter.pattern.exec(plain.slice(this.cursor));
      if (!match) return;
      const end = this.cursor + match.index + match[0].length;
      const seen = plain.slice(this.cursor, end);
      this.cursor = end;
      this.waiters.shift();
      waiter.resolve(seen);
    }
  }
}
