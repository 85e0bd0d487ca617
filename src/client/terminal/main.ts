#!/usr/bin/env node
import { runTerminalClient } from './terminal-client';

export const TERMINAL_USAGE = `usage: chat-client [--host HOST] [--port PORT] [--tls]

Connects to a chat server (default 127.0.0.1:9000). Type /help once connected.
Without a terminal, it reads commands from standard input, one per line, runs them
in order and exits at the end of the input.

Once logged in on a server with reliable sessions, a lost connection is resumed by
itself (the client keeps retrying; /quit gives up).

exit codes: 0 done, 1 could not connect or the connection was lost (and could not be
resumed), 2 bad arguments`;

export interface TerminalArgs {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
}

export type ParsedArgs =
  | { readonly kind: 'run'; readonly args: TerminalArgs }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly error: string };

/** Parses `--host H --port P [--tls]` (also `--host=H`, `--port=P`); pure. */
export function parseTerminalArgs(argv: readonly string[]): ParsedArgs {
  let host = '127.0.0.1';
  let port = 9000;
  let tls = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '--tls') {
      tls = true;
      continue;
    }
    const match = /^(--host|--port)(?:=(.*))?$/.exec(arg);
    if (!match) return { kind: 'error', error: `unknown argument "${arg}"` };
    const name = match[1]!;
    const value = match[2] ?? argv[++i];
    if (value === undefined || value === '') return { kind: 'error', error: `${name} needs a value` };
    if (name === '--host') {
      host = value;
    } else {
      if (!/^[0-9]{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
        return { kind: 'error', error: `--port must be 1–65535, got "${value}"` };
      }
      port = Number(value);
    }
  }
  return { kind: 'run', args: { host, port, tls } };
}

/** The command line: parses the arguments, runs the client on stdin/stdout; resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseTerminalArgs(argv);
  if (parsed.kind === 'help') {
    process.stdout.write(`${TERMINAL_USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`${parsed.error}\n\n${TERMINAL_USAGE}\n`);
    return 2;
  }
  return runTerminalClient({
    ...parsed.args,
    input: process.stdin,
    output: process.stdout,
    errorOutput: process.stderr,
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Everything is closed by now; should a handle linger, do not hang.
      setTimeout(() => process.exit(code), 1000).unref();
    },
    (error: unknown) => {
      process.stderr.write(`chat-client failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
