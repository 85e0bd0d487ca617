/** What /proc says about a process, and the machine facts a result file records. */
import { execFileSync, execSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat's times (getconf CLK_TCK; 100 when that fails). */
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execSync('getconf CLK_TCK', { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process, in clock ticks; NaN when it is gone. */
export function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: count fields after its closing paren.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of the whole line
  } catch {
    return NaN;
  }
}

/** The process and its descendants (a server with CHAT_WORKERS forks its workers). */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    const parent = all[i]!;
    try {
      for (const task of readdirSync(`/proc/${parent}/task`)) {
        const children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8').trim();
        if (children) all.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // gone, or no children file: no descendants to add
    }
  }
  return all;
}

/** cpuTicks summed over a process and its descendants. */
export function treeCpuTicks(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + cpuTicks(p), 0);
}

/** statusKiB summed over a process and its descendants. */
export function treeStatusKiB(pid: number, key = 'VmRSS'): number {
  return processTree(pid).reduce((sum, p) => sum + statusKiB(p, key), 0);
}

/** A line of /proc/<pid>/status in KiB (VmRSS, VmHWM); NaN when it is gone. */
export function statusKiB(pid: number, key = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** The soft "Max open files" of a running process. */
export function openFilesLimit(pid: number): number {
  try {
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
    return match === null ? NaN : match[1] === 'unlimited' ? Infinity : Number(match[1]);
  } catch {
    return NaN;
  }
}

export function openFileCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

export function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1]!.trim();
  } catch {
    // fall through
  }
  return cpus()[0]?.model ?? 'unknown';
}

export function machine(): { cpuModel: string; cores: number; memTotalGiB: number; kernel: string } {
  let kernel = 'unknown';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // keep unknown
  }
  return { cpuModel: cpuModel(), cores: cpus().length, memTotalGiB: +(totalmem() / 2 ** 30).toFixed(1), kernel };
}

/** The filesystem type holding a path (longest matching mount point in /proc/mounts). */
export function filesystemOf(path: string): string {
  try {
    let best = '';
    let type = 'unknown';
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, mountPoint, fsType] = line.split(' ');
      if (mountPoint === undefined || fsType === undefined) continue;
      const prefix = mountPoint.endsWith('/') ? mountPoint : `${mountPoint}/`;
      if ((path === mountPoint || path.startsWith(prefix)) && mountPoint.length > best.length) {
        best = mountPoint;
        type = fsType;
      }
    }
    return type;
  } catch {
    return 'unknown';
  }
}

export interface FdLimits {
  readonly soft: number;
  readonly hard: number;
  readonly prlimit: string | null;
}

export function fdLimits(): FdLimits {
  const read = (flag: string): number => {
    try {
      const text = execSync(`ulimit ${flag}`, { encoding: 'utf8', shell: '/bin/sh' }).trim();
      return text === 'unlimited' ? Infinity : Number(text);
    } catch {
      return NaN;
    }
  };
  let prlimit: string | null = null;
  try {
    prlimit = execSync('command -v prlimit', { encoding: 'utf8', shell: '/bin/sh' }).trim() || null;
  } catch {
    prlimit = null;
  }
  return { soft: read('-Sn'), hard: read('-Hn'), prlimit };
}

/** Whether a child may be started with `prlimit --nofile=n:n`. */
export function canSetNofile(prlimit: string, n: number): boolean {
  try {
    execFileSync(prlimit, [`--nofile=${n}:${n}`, 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Non-idle CPU time of the whole machine (all cores), in clock ticks, from /proc/stat. */
export function machineBusyTicks(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, ...values] = line.trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal (guest times are inside user/nice)
    const n = values.slice(0, 8).map(Number);
    return n.reduce((a, b) => a + b, 0) - n[3]! - n[4]!;
  } catch {
    return NaN;
  }
}
