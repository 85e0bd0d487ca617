/**
 * The bench's child processes (the server, the relay, the load workers): started with
 * enough open files, stopped on purpose or all killed when the run fails or ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import * as proc from './proc';

export let stopping = false;
export const children = new Set<ChildProcess>();
/** Children we are stopping on purpose: their exit is no failure. */
const expectedExits = new WeakSet<ChildProcess>();

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function killAll(signal: NodeJS.Signals): void {
  for (const child of children) {
    if (alive(child) && child.pid !== undefined) {
      try {
        process.kill(child.pid, signal);
      } catch {
        // already gone
      }
    }
  }
}

export function fatal(text: string, tail?: readonly string[]): never {
  stopping = true;
  process.stderr.write(`\nbench failed: ${text}\n`);
  if (tail !== undefined && tail.length > 0) process.stderr.write(`last output:\n${tail.map((l) => `  ${l}`).join('\n')}\n`);
  killAll('SIGKILL');
  process.exit(1);
}

/** The temporary database folder, removed at exit unless --keep-db. */
let tempFolder: string | null = null;
process.on('exit', () => {
  killAll('SIGKILL');
  if (tempFolder !== null) rmSync(tempFolder, { recursive: true, force: true });
});
process.on('SIGINT', () => {
  if (stopping) return;
  stopping = true;
  process.stderr.write('\ninterrupted: stopping the server, the relay and the load workers\n');
  killAll('SIGTERM');
  setTimeout(() => process.exit(130), 500).unref();
});
process.on('SIGTERM', () => {
  stopping = true;
  killAll('SIGTERM');
  process.exit(143);
});

export interface Served {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** The HTTP listener's port, when the process logged one. */
  readonly httpPort: number | undefined;
  readonly tail: string[];
}

/**
 * Starts a node script that logs a JSON line {"msg": readyMsg, "port": N} when ready,
 * with at least `nofile` open files when that is more than the current limit.
 */
export function startServing(
  name: string,
  script: string,
  nodeArgs: string[],
  env: NodeJS.ProcessEnv,
  readyMsg: string,
  nofile: number | null,
): Promise<Served> {
  const limits = nofileWrapper(nofile);
  const child = spawn(limits.command, [...limits.args, ...nodeArgs, script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const tail: string[] = [];
  return new Promise((resolveReady, rejectReady) => {
    let ready = false;
    const timer = setTimeout(() => rejectReady(new Error(`${name} did not report ready within 120 s\n${tail.join('\n')}`)), 120_000);
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (ready || !line.startsWith('{')) return;
      try {
        const record = JSON.parse(line) as { msg?: unknown; port?: unknown; httpPort?: unknown };
        if (record.msg === readyMsg && typeof record.port === 'number') {
          ready = true;
          clearTimeout(timer);
          const httpPort = typeof record.httpPort === 'number' ? record.httpPort : undefined;
          resolveReady({ name, child, pid: child.pid!, port: record.port, httpPort, tail });
        }
      } catch {
        // not JSON: kept in the tail only
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.on('exit', (code, signal) => {
      if (!ready) {
        clearTimeout(timer);
        fatal(`${name} exited before it was ready (code ${code}, signal ${signal})`, tail);
      } else if (!stopping && !expectedExits.has(child)) {
        fatal(`${name} exited during the run (code ${code}, signal ${signal})`, tail);
      }
    });
  });
}

export async function stopServing(served: Served, timeoutMs = 30_000): Promise<number | null> {
  expectedExits.add(served.child);
  if (!alive(served.child)) return served.child.exitCode;
  const exited = new Promise<number | null>((r) => served.child.once('exit', (code) => r(code)));
  served.child.kill('SIGTERM');
  const timer = setTimeout(() => served.child.kill('SIGKILL'), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export let fd: proc.FdLimits = { soft: NaN, hard: NaN, prlimit: null };

/** How to start a process with `nofile` open files (prlimit in front), or as is. */
export function nofileWrapper(nofile: number | null): { command: string; args: string[] } {
  if (nofile === null || !(nofile > fd.soft) || fd.prlimit === null) return { command: process.execPath, args: [] };
  return { command: fd.prlimit, args: [`--nofile=${nofile}:${nofile}`, process.execPath] };
}

/** The open-file limit to ask for when `wanted` are needed: wanted if allowed, else the most allowed. */
export function chooseNofile(wanted: number): number | null {
  if (!(wanted > fd.soft)) return null;
  if (fd.prlimit === null) return null;
  if (proc.canSetNofile(fd.prlimit, wanted)) return wanted;
  if (fd.hard > fd.soft && Number.isFinite(fd.hard) && proc.canSetNofile(fd.prlimit, fd.hard)) return fd.hard;
  return null;
}

/** The run is ending: from here on, a child's exit is no failure. */
export function markStopping(): void {
  stopping = true;
}

export function setTempFolder(folder: string): void {
  tempFolder = folder;
}

export function setFd(limits: proc.FdLimits): void {
  fd = limits;
}
