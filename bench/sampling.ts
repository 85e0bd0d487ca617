/**
 * CPU and memory of the process under test, the load workers and the machine from /proc:
 * snapshots, the usage between two, progress lines, waiting for a quiet server.
 */
import { mib, pct, secs, sleep } from './format';
import { nowUs } from './histogram';
import type { Counters } from './ipc';
import * as proc from './proc';
import { say, warn } from './report';
import { totals, workers } from './workers';

export interface Snap {
  readonly atUs: number;
  /** utime + stime of the process under test, in clock ticks. */
  readonly ticks: number;
  readonly rssKiB: number;
  /** Sum over the load workers. */
  readonly loadTicks: number;
  /** Each load worker's. */
  readonly workerTicks: readonly number[];
  /** The orchestrator itself. */
  readonly selfTicks: number;
  /** Every process on the machine. */
  readonly machineTicks: number;
}

export interface Usage {
  /** % of one core, over the interval. */
  readonly cpuPct: number;
  readonly cpuSeconds: number;
  readonly loadCpuPct: number;
  /** The busiest load worker, % of one core. */
  readonly loadMaxCpuPct: number;
  /** Every process on the machine, % of one core (of cores x 100 %). */
  readonly machineCpuPct: number;
  /** Everything else on the machine (other people's processes included), % of one core. */
  readonly otherCpuPct: number;
  readonly rssKiB: number;
  readonly rssStartKiB: number;
  readonly seconds: number;
}

/** The process under test: a pid (its process tree counts), or several processes counted together. */
export type UnderTest = number | readonly number[];

export function snap(pid: UnderTest): Snap {
  const pids = typeof pid === 'number' ? [pid] : pid;
  const workerTicks = workers.map((w) => proc.cpuTicks(w.pid));
  const loadTicks = workerTicks.reduce((sum, t) => sum + t, 0);
  return {
    atUs: nowUs(),
    workerTicks,
    // With CHAT_WORKERS the server is a primary and its workers: all of them count.
    ticks: pids.reduce((sum, one) => sum + proc.treeCpuTicks(one), 0),
    rssKiB: pids.reduce((sum, one) => sum + proc.treeStatusKiB(one), 0),
    loadTicks,
    selfTicks: proc.cpuTicks(process.pid),
    machineTicks: proc.machineBusyTicks(),
  };
}

export function usage(a: Snap, b: Snap): Usage {
  const seconds = (b.atUs - a.atUs) / 1e6;
  const tck = proc.clkTck();
  const cpuSeconds = (b.ticks - a.ticks) / tck;
  const ours = b.ticks - a.ticks + (b.loadTicks - a.loadTicks) + (b.selfTicks - a.selfTicks);
  return {
    cpuPct: (100 * cpuSeconds) / seconds,
    cpuSeconds,
    loadCpuPct: (100 * (b.loadTicks - a.loadTicks)) / tck / seconds,
    loadMaxCpuPct: Math.max(0, ...b.workerTicks.map((t, i) => (100 * (t - (a.workerTicks[i] ?? t))) / tck / seconds)),
    machineCpuPct: (100 * (b.machineTicks - a.machineTicks)) / tck / seconds,
    otherCpuPct: Math.max(0, (100 * (b.machineTicks - a.machineTicks - ours)) / tck / seconds),
    rssKiB: b.rssKiB,
    rssStartKiB: a.rssKiB,
    seconds,
  };
}

/**
 * Prints a progress line every second until stopped: the workload's counters (summed
 * over the workers) and the CPU and RSS of the process under test.
 */
export function progress(
  label: string,
  pid: UnderTest,
  describe: (now: Counters, delta: Counters, seconds: number) => string,
): () => void {
  const t0 = nowUs();
  let previous = snap(pid);
  let before: Counters | null = null;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    totals().then(
      (now) => {
        busy = false;
        const current = snap(pid);
        const u = usage(previous, current);
        const delta = before === null ? now : diff(now, before);
        say(
          `[${label} ${secs(current.atUs - t0)}] ${describe(now, delta, u.seconds)} | cpu ${pct(u.cpuPct)} rss ${mib(current.rssKiB)} | load cpu ${pct(u.loadCpuPct)} other ${pct(u.otherCpuPct)}`,
        );
        previous = current;
        before = now;
      },
      () => void (busy = false),
    );
  }, 1000);
  return () => clearInterval(timer);
}

function diff(a: Counters, b: Counters): Counters {
  return {
    sent: a.sent - b.sent,
    acked: a.acked - b.acked,
    failed: a.failed - b.failed,
    received: a.received - b.received,
    receivedInWindow: a.receivedInWindow - b.receivedInWindow,
    ackedInWindow: a.ackedInWindow - b.ackedInWindow,
    confirmed: a.confirmed - b.confirmed,
    done: a.done - b.done,
    unexpectedCloses: a.unexpectedCloses - b.unexpectedCloses,
    firstError: a.firstError,
  };
}

/** Waits until the process under test uses under 5 % of a core for a second (work left over from a workload). */
/**
 * CPU (% of one core) under which the server counts as quiet. Under --server-cpu-prof the
 * profiler's sampling thread alone keeps an idle server at about 10%, so it is raised.
 */
let quietCpuPct = 5;

export async function settle(pid: UnderTest, timeoutS: number): Promise<void> {
  const deadline = nowUs() + timeoutS * 1e6;
  let quiet = 0;
  let announced = false;
  let last = snap(pid);
  while (nowUs() < deadline) {
    await sleep(500);
    const current = snap(pid);
    const u = usage(last, current);
    last = current;
    if (u.cpuPct < quietCpuPct) {
      if (++quiet >= 2) return;
    } else {
      quiet = 0;
      if (!announced) {
        announced = true;
        say(`[settle] waiting for the server to go quiet (cpu ${pct(u.cpuPct)})`);
      }
    }
  }
  warn(`the server was still busy ${timeoutS} s after the previous workload; measuring anyway`);
}

/** Figures taken while other processes kept the machine busy are flagged. */
export function disturbed(label: string, u: Usage): void {
  if (u.otherCpuPct > 20) {
    warn(`${label}: other processes used ${pct(u.otherCpuPct)} of a core during the measurement; figures are disturbed`);
  }
}

export function setQuietCpuPct(value: number): void {
  quietCpuPct = value;
}
