/**
 * The load worker processes (bench/load-worker.ts) and requests to all of them at once;
 * the run's user-name prefix.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { children, fatal, nofileWrapper, stopping } from './children';
import { int } from './format';
import { Histogram } from './histogram';
import { addCounters, emptyCounters, type Collected, type Counters, type Target, type WorkerReply, type WorkerRequest } from './ipc';
import { warn } from './report';

export class LoadWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    readonly index: number,
    readonly child: ChildProcess,
  ) {
    child.on('message', (reply: WorkerReply) => {
      const waiting = this.pending.get(reply.id);
      if (waiting === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(new Error(`load worker ${index}: ${reply.error}`));
    });
    child.on('error', (error) => {
      if (!stopping) fatal(`load worker ${index}: ${error.message}`);
    });
    child.on('exit', (code, signal) => {
      if (!stopping) fatal(`load worker ${index} exited during the run (code ${code}, signal ${signal})`);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<T>(request: WorkerRequest): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolveCall, rejectCall) => {
      if (!this.child.connected) {
        rejectCall(new Error(`load worker ${this.index} is gone`));
        return;
      }
      this.pending.set(id, { resolve: resolveCall as (v: unknown) => void, reject: rejectCall });
      this.child.send({ id, request }, (error) => {
        if (error === null) return;
        this.pending.delete(id);
        rejectCall(error);
      });
    });
  }
}

export function startWorkers(count: number, nofile: number | null): LoadWorker[] {
  const script = join(__dirname, 'load-worker.js');
  const limits = nofileWrapper(nofile);
  return Array.from({ length: count }, (_, index) => {
    const child =
      limits.args.length === 0
        ? fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
        : fork(script, [], { execPath: limits.command, execArgv: limits.args, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.add(child);
    return new LoadWorker(index, child);
  });
}

export let workers: LoadWorker[] = [];

export async function totals(): Promise<Counters> {
  const all = await Promise.all(workers.map((w) => w.call<Counters>({ op: 'counters' })));
  return all.reduce(addCounters, emptyCounters());
}

export async function collectAll(): Promise<{ counters: Counters; latency: Histogram; ack: Histogram }> {
  const parts = await Promise.all(workers.map((w) => w.call<Collected>({ op: 'collect' })));
  return {
    counters: parts.map((p) => p.counters).reduce(addCounters, emptyCounters()),
    latency: Histogram.from(parts.map((p) => p.latency)),
    ack: Histogram.from(parts.map((p) => p.ack)),
  };
}

export async function closeAll(): Promise<void> {
  await Promise.all(workers.map((w) => w.call({ op: 'closeAll' })));
}

/**
 * Points every load worker at `target`: the chat server, another server process, the
 * relay; with `receivers`, the plain dm workload's receivers connect there instead.
 */
export async function targetAll(target: Target, receivers?: Target): Promise<void> {
  await Promise.all(workers.map((w) => w.call(receivers ? { op: 'setTarget', target, receivers } : { op: 'setTarget', target })));
}

export function slices<T>(items: readonly T[], count: number): T[][] {
  const out: T[][] = Array.from({ length: count }, () => []);
  const per = Math.ceil(items.length / count);
  items.forEach((item, i) => out[Math.floor(i / per)]!.push(item));
  return out;
}

export function checkCounters(label: string, c: Counters): void {
  if (c.failed > 0) warn(`${label}: ${int(c.failed)} requests failed (first: ${c.firstError})`);
  if (c.unexpectedCloses > 0) warn(`${label}: ${int(c.unexpectedCloses)} connections closed unexpectedly (first: ${c.firstError})`);
}

export let prefix = '';
/** Requests may wait long behind a slow fanout; a stuck server still ends the run. */
export const REQUEST_TIMEOUT_MS = 600_000;

export function setWorkers(pool: LoadWorker[]): void {
  workers = pool;
}

export function setPrefix(text: string): void {
  prefix = text;
}
