/**
 * How the benchmark prints its figures, and its small timing helpers: shared by the
 * driver (bench/run.ts) and the workloads, so every row reads the same way.
 */
import { nowUs, type LatencySummary } from './histogram';

export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const ms = (us: number): string => (Number.isFinite(us) ? (us / 1000).toFixed(us < 10_000 ? 2 : 1) : 'n/a');
export const pct = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(0)}%` : 'n/a');
export const mib = (kib: number): string => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : 'n/a');
export const secs = (us: number): string => `${(us / 1e6).toFixed(1)}s`;
export const sleep = (msDelay: number): Promise<void> => new Promise((r) => setTimeout(r, msDelay));
export const sleepUntil = (us: number): Promise<void> => sleep(Math.max(0, (us - nowUs()) / 1000));
/** p50 / p95 / p99 / max in ms. */
export const latencyText = (s: LatencySummary): string => `${ms(s.p50Us)} / ${ms(s.p95Us)} / ${ms(s.p99Us)} / ${ms(s.maxUs)}`;
