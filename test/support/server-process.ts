import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The built server (`dist/src/bootstrap/main.js`, `npm test` builds it first) as a
 * child process configured through CHAT_* variables, the way `npm start` runs it: a
 * crash, a leak or a blocked event loop in it cannot hide behind the test process,
 * and it can be killed with SIGKILL. Its JSON log lines are kept and can be awaited.
 */
export const ROOT = join(__dirname, '..', '..');
export const SERVER_MAIN = join(ROOT, 'dist', 'src', 'bootstrap', 'main.js');

/** One line of the server's JSON log. */
export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** Settles when the process has exited: its code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether it is still running. */
  readonly alive: boolean;
  /** Every JSON log line so far. */
  logs(): readonly LogLine[];
  /** Everything it printed that was not a JSON log line (stderr included). */
  otherOutput(): string;
  /** The first log line, past or future, that matches; rejects after `timeoutMs` or when the process exits. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resident memory now and at its peak (VmRSS, VmHWM), in bytes, from /proc. */
  memory(): { rss: number; peak: number };
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

/** Settings every test server gets unless the test says otherwise: loopback, any port, a cheap hash. */
const TEST_ENV: Readonly<Record<string, string>> = {
  CHAT_HOST: '127.0.0.1',
  CHAT_PORT: '0',
  CHAT_HTTP_PORT: '0',
  CHAT_SCRYPT_N: '1024',
  CHAT_SCRYPT_P: '1',
  CHAT_LOG_LEVEL: 'info',
};

const started = new Set<ServerProcess>();

/**
 * Starts the built server and resolves once it logs that it listens (so CHAT_LOG_LEVEL
 * must leave `info` on: the port is only known from that line).
 */
export function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  if (!existsSync(SERVER_MAIN)) {
    return Promise.reject(new Error(`${SERVER_MAIN} is missing: run \`npm run build\` (npm test does it)`));
  }
  const level = env['CHAT_LOG_LEVEL']?.trim().toLowerCase();
  if (level !== undefined && level !== 'info' && level !== 'debug') {
    return Promise.reject(new Error('CHAT_LOG_LEVEL must be info or debug: the port is read from an info line'));
  }
  // The test's own CHAT_* settings never leak into the server it starts.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CHAT_')));
  const child = spawn(process.execPath, [SERVER_MAIN], {
    env: { ...inherited, ...TEST_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let other = '';
  let partial = '';
  let exitedWith: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const exitWatchers: (() => void)[] = [];

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      exitedWith = { code, signal };
      for (const watcher of exitWatchers.splice(0)) watcher();
      resolve(exitedWith);
    }),
  );
  const onLine = (text: string): void => {
    let line: LogLine | null = null;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && 'msg' in parsed && 'level' in parsed) line = parsed as LogLine;
    } catch {
      line = null;
    }
    if (line === null) {
      other += `${text}\n`;
      return;
    }
    lines.push(line);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.match(line)) waiters.splice(i, 1)[0]!.resolve(line);
    }
  };
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    partial += chunk;
    let newline: number;
    while ((newline = partial.indexOf('\n')) >= 0) {
      onLine(partial.slice(0, newline));
      partial = partial.slice(newline + 1);
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    other += chunk;
  });

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 15_000): Promise<LogLine> => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | null, line?: LogLine): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const index = waiters.findIndex((w) => w.resolve === onMatch);
        if (index >= 0) waiters.splice(index, 1);
        if (error) reject(error);
        else resolve(line!);
      };
      const onMatch = (line: LogLine): void => finish(null, line);
      const timer = setTimeout(
        () => finish(new Error(`no matching log line from the server within ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiters.push({ match, resolve: onMatch });
      if (exitedWith) finish(new Error(`the server has exited (${JSON.stringify(exitedWith)})\n${other}`));
      else exitWatchers.push(() => finish(new Error(`the server exited (${JSON.stringify(exitedWith)})\n${other}`)));
    });
  };

  return new Promise((resolve, reject) => {
    void exited.then((how) => reject(new Error(`the server exited (${JSON.stringify(how)}) before listening:\n${other}`)));
    void waitForLog((line) => line.msg === 'chat server listening', 30_000).then(
      (line) => {
        const server: ServerProcess = {
          child,
          pid: child.pid!,
          port: Number(line['port']),
          exited,
          get alive() {
            return exitedWith === null;
          },
          logs: () => lines,
          otherOutput: () => other,
          waitForLog,
          memory: () => memoryOf(child.pid!),
          async kill() {
            if (exitedWith === null) child.kill('SIGKILL');
            await exited;
          },
        };
        started.add(server);
        void exited.then(() => started.delete(server));
        resolve(server);
      },
      (error: unknown) => {
        child.kill('SIGKILL');
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** SIGKILLs every server process this file started that still runs (for afterEach/afterAll). */
export async function killServerProcesses(): Promise<void> {
  await Promise.all([...started].map((server) => server.kill()));
}

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]) * 1024;
  };
  return { rss: kilobytes('VmRSS'), peak: kilobytes('VmHWM') };
}

/** The connection id the server gave the socket whose local port is `clientPort` (from its "connection opened" line). */
export async function connectionIdOf(server: ServerProcess, clientPort: number): Promise<string> {
  const opened = await server.waitForLog((line) => line.msg === 'connection opened' && line['remotePort'] === clientPort);
  return String(opened['connection']);
}
