/**
 * Top self-time functions of a V8 .cpuprofile (as written by `node --cpu-prof`), over
 * the whole profile or one measured phase. `node dist/bench/cpuprofile.js FILE [COUNT]`
 * prints them; run.ts calls it after a `--server-cpu-prof` run, for each thread of the
 * server and each phase.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  readonly children?: number[];
}

interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: number[];
  readonly timeDeltas: number[];
}

export interface HotFunction {
  readonly name: string;
  readonly location: string;
  readonly selfMs: number;
  /** Share of the non-idle samples. */
  readonly selfPct: number;
}

export interface ProfileSummary {
  readonly file: string;
  /** "main thread", or the worker thread's id (the SQLite write thread). */
  readonly thread: string;
  /** The measured phase the samples were taken from; null: the whole profile. */
  readonly window: string | null;
  readonly wallMs: number;
  readonly busyMs: number;
  readonly idleMs: number;
  readonly top: HotFunction[];
}

/** A span of the monotonic clock (process.hrtime, µs), which V8's profile timestamps share. */
export interface ProfileWindow {
  readonly label: string;
  readonly fromUs: number;
  readonly toUs: number;
}

/**
 * The thread a profile of `node --cpu-prof` belongs to, from its file name
 * (CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile): thread 0 is the main one.
 */
export function profileThread(file: string): string {
  const match = /\.(\d+)\.(\d+)\.(\d+)\.cpuprofile$/.exec(file);
  if (!match) return 'main thread';
  return match[2] === '0' ? 'main thread' : `worker thread ${match[2]}`;
}

/** The top self-time functions over the whole profile, or over the samples inside `window` only. */
export function summarizeProfile(file: string, count = 25, window: ProfileWindow | null = null): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const selfUs = new Map<string, { name: string; location: string; us: number }>();
  let idleUs = 0;
  let totalUs = 0;
  let atUs = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample; charge it to sample i.
    const us = profile.timeDeltas[i] ?? 0;
    atUs += us;
    if (window !== null && (atUs < window.fromUs || atUs >= window.toUs)) continue;
    const node = byId.get(profile.samples[i]!);
    if (node === undefined) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = url === '' ? '' : `${shorten(url)}:${lineNumber + 1}`;
    const key = `${functionName}@${where}`;
    const entry = selfUs.get(key) ?? { name: functionName || '(anonymous)', location: where, us: 0 };
    entry.us += us;
    selfUs.set(key, entry);
  }
  const busyUs = totalUs - idleUs;
  const top = [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, count)
    .map((e) => ({ name: e.name, location: e.location, selfMs: e.us / 1000, selfPct: busyUs > 0 ? (100 * e.us) / busyUs : 0 }));
  return {
    file,
    thread: profileThread(file),
    window: window?.label ?? null,
    wallMs: window === null ? (profile.endTime - profile.startTime) / 1000 : totalUs / 1000,
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    top,
  };
}

function shorten(url: string): string {
  const path = url.startsWith('file://') ? url.slice('file://'.length) : url;
  if (!path.startsWith('/')) return path;
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [
    `CPU profile ${summary.file} (${summary.thread}${summary.window === null ? '' : `, ${summary.window} phase`}): ` +
      `${(summary.wallMs / 1000).toFixed(1)} s recorded, busy ${(summary.busyMs / 1000).toFixed(1)} s ` +
      `(${summary.wallMs > 0 ? ((100 * summary.busyMs) / summary.wallMs).toFixed(0) : '0'} %), idle ${(summary.idleMs / 1000).toFixed(1)} s`,
    '  self ms   % busy  function  (location)',
  ];
  for (const f of summary.top) {
    lines.push(
      `${f.selfMs.toFixed(0).padStart(9)}  ${f.selfPct.toFixed(1).padStart(6)}%  ${f.name}${f.location ? `  (${f.location})` : ''}`,
    );
  }
  return lines.join('\n');
}

if (require.main === module) {
  const [file, count] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: node dist/bench/cpuprofile.js FILE.cpuprofile [COUNT]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatProfile(summarizeProfile(file, count === undefined ? 25 : Number(count)))}\n`);
}
