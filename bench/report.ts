/**
 * What the run prints and keeps: every line said (the transcript of the result file),
 * the warnings, and the rows of the results table.
 */
import { mib, pct } from './format';
import type { Usage } from './sampling';

/** Everything printed, kept for the result file. */
export const transcript: string[] = [];
export function say(line: string): void {
  transcript.push(line);
  process.stdout.write(`${line}\n`);
}
export const warnings: string[] = [];
export function warn(text: string): void {
  warnings.push(text);
  say(`WARNING: ${text}`);
}


export interface Row {
  workload: string;
  figure: string;
  value: string;
  cpu: string;
  rss: string;
  load: string;
  other: string;
}

export const rows: Row[] = [];
/** ` #2`, ` #3`, ... after the workload's name from the second of several rounds on. */
let roundTag = '';
export function row(workload: string, figure: string, value: string, u: Usage | null): void {
  rows.push({
    workload: workload + roundTag,
    figure,
    value,
    cpu: u ? pct(u.cpuPct) : '',
    rss: u ? mib(u.rssKiB) : '',
    load: u ? pct(u.loadCpuPct) : '',
    other: u ? pct(u.otherCpuPct) : '',
  });
}

export function printTable(): void {
  const headers: Row = {
    workload: 'workload',
    figure: 'figure',
    value: 'value',
    cpu: 'CPU',
    rss: 'RSS',
    load: 'load CPU',
    other: 'other CPU',
  };
  const keys: (keyof Row)[] = ['workload', 'figure', 'value', 'cpu', 'rss', 'load', 'other'];
  const width = (k: keyof Row): number => Math.max(headers[k].length, ...rows.map((r) => r[k].length));
  const widths = keys.map(width);
  const line = (r: Row): string =>
    keys
      .map((k, i) => (k !== 'workload' && k !== 'figure' ? r[k].padStart(widths[i]!) : r[k].padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  say(line(headers));
  say(widths.map((w) => '-'.repeat(w)).join('  '));
  let last = '';
  for (const r of rows) {
    if (last !== '' && r.workload !== last) say('');
    last = r.workload;
    say(line(r));
  }
}

export function setRoundTag(tag: string): void {
  roundTag = tag;
}
