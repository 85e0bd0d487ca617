/**
 * The WebSocket workloads, dm-ws and idle-ws: the dm and idle workloads (bench/dm.ts, bench/idle.ts)
 * with every load connection a WebSocket (bench/websocket-connection.ts) to the same
 * server in the same run. dm.ts and idle.ts run them with the dm and idle code and a transport;
 * what is particular to them lives here: how each compares with its TCP twin, and
 * whether the load side, which masks every frame it sends, held the WebSocket figure down.
 */
import type { LatencySummary } from './histogram';

/** dm-ws ÷ dm in delivered messages/s that the transport must reach. */
export const DM_WS_TARGET = 0.7;

/** A load process above this much of a core is taken as saturated. */
const SATURATED_PROCESS_PCT = 90;
/** The machine above this share of all its cores is taken as saturated. */
const SATURATED_MACHINE_SHARE = 0.9;

/** What the comparison reads of a measured phase (sampling.ts's Usage). */
export interface PhaseUsage {
  /** The server, % of one core. */
  readonly cpuPct: number;
  /** All load processes together, % of one core. */
  readonly loadCpuPct: number;
  /** The busiest load process, % of one core. */
  readonly loadMaxCpuPct: number;
  /** Every process on the machine, % of one core. */
  readonly machineCpuPct: number;
  /** Processes outside the benchmark, % of one core. */
  readonly otherCpuPct: number;
}

/** What the comparison reads of a dm run (stream.ts's StreamResult). */
export interface DmFigures {
  readonly perSecond: number;
  readonly cpuUsPerDelivery: number;
  readonly latency: LatencySummary;
  readonly usage: PhaseUsage;
}

export interface LoadSide {
  /** Load CPU (all processes) per delivered message, µs. */
  readonly cpuUsPerMessage: number;
  readonly busiestPct: number;
  readonly machinePct: number;
  /** Why the load side may have held the figure down, or null when it had room. */
  readonly saturated: string | null;
}

export interface DmComparison {
  /** dm-ws ÷ dm, messages/s. */
  readonly throughput: number;
  readonly met: boolean;
  /** Server CPU per message, dm-ws ÷ dm. */
  readonly cpuPerMessage: number;
  readonly p50: number;
  readonly p99: number;
  readonly load: { readonly tcp: LoadSide; readonly websocket: LoadSide };
}

function loadSide(r: DmFigures, cores: number): LoadSide {
  const u = r.usage;
  const reasons: string[] = [];
  if (u.loadMaxCpuPct >= SATURATED_PROCESS_PCT) reasons.push(`a load process at ${u.loadMaxCpuPct.toFixed(0)}% of a core`);
  if (u.machineCpuPct >= SATURATED_MACHINE_SHARE * 100 * cores) {
    reasons.push(
      `the machine at ${u.machineCpuPct.toFixed(0)}% of ${cores * 100}%: load ${u.loadCpuPct.toFixed(0)}%, ` +
        `server ${u.cpuPct.toFixed(0)}%, other processes ${u.otherCpuPct.toFixed(0)}%`,
    );
  }
  return {
    cpuUsPerMessage: ((u.loadCpuPct / 100) * 1e6) / r.perSecond,
    busiestPct: u.loadMaxCpuPct,
    machinePct: u.machineCpuPct,
    saturated: reasons.length === 0 ? null : reasons.join('; '),
  };
}

export function compareDm(dm: DmFigures, ws: DmFigures, cores: number): DmComparison {
  const throughput = ws.perSecond / dm.perSecond;
  return {
    throughput,
    met: throughput >= DM_WS_TARGET,
    cpuPerMessage: ws.cpuUsPerDelivery / dm.cpuUsPerDelivery,
    p50: ws.latency.p50Us / dm.latency.p50Us,
    p99: ws.latency.p99Us / dm.latency.p99Us,
    load: { tcp: loadSide(dm, cores), websocket: loadSide(ws, cores) },
  };
}

const x = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');
const us = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const pct = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(0)}%` : 'n/a');

/** The rows that set dm-ws beside dm: [figure, value]. */
export function dmComparisonRows(c: DmComparison): [string, string][] {
  const { tcp, websocket } = c.load;
  const verdict = (side: LoadSide): string => side.saturated ?? 'room left';
  return [
    [`msgs/s ÷ dm of this run (target ≥ ${DM_WS_TARGET.toFixed(2)})`, `${x(c.throughput)} ${c.met ? 'met' : 'NOT met'}`],
    ['server CPU per msg ÷ dm', x(c.cpuPerMessage)],
    ['latency p50 / p99 ÷ dm', `${x(c.p50)} / ${x(c.p99)}`],
    ['load CPU per msg (µs), dm / dm-ws', `${us(tcp.cpuUsPerMessage)} / ${us(websocket.cpuUsPerMessage)}`],
    ['busiest load process, dm / dm-ws', `${pct(tcp.busiestPct)} / ${pct(websocket.busiestPct)}`],
    ['machine CPU, dm / dm-ws', `${pct(tcp.machinePct)} / ${pct(websocket.machinePct)}`],
    ['load side saturated? dm', verdict(tcp)],
    ['load side saturated? dm-ws', verdict(websocket)],
  ];
}

/** What the comparison reads of an idle run (idle.ts's IdleResult). */
export interface IdleFigures {
  readonly connections: number;
  readonly rssPerConnectionKiB: number;
  readonly rssPerConnectionBeforeLoginKiB: number;
  readonly loginsPerSecond: number;
}

/** The rows that set idle-ws beside idle: [figure, value]. */
export function idleComparisonRows(tcp: IdleFigures | null, ws: IdleFigures): [string, string][] {
  const kib = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
  const rows: [string, string][] = [
    ['logged-in WebSocket sessions held', ws.connections.toLocaleString('en-US')],
    ['RSS per session (KiB), before login / logged in', `${kib(ws.rssPerConnectionBeforeLoginKiB)} / ${kib(ws.rssPerConnectionKiB)}`],
  ];
  if (tcp === null) return rows;
  const same = tcp.connections === ws.connections ? '' : ` (N differs: TCP ${tcp.connections}, WebSocket ${ws.connections})`;
  rows.push(
    ['RSS per session (KiB), TCP / WebSocket', `${kib(tcp.rssPerConnectionKiB)} / ${kib(ws.rssPerConnectionKiB)}${same}`],
    ['RSS per session, WebSocket ÷ TCP', x(ws.rssPerConnectionKiB / tcp.rssPerConnectionKiB)],
    ['logins/s, TCP / WebSocket', `${Math.round(tcp.loginsPerSecond)} / ${Math.round(ws.loginsPerSecond)}`],
  );
  return rows;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Over several rounds (dm and dm-ws in turn, so a busy moment touches both): the medians. */
export function medianRows(comparisons: readonly DmComparison[]): [string, string][] {
  const each = (pick: (c: DmComparison) => number): string =>
    `${x(median(comparisons.map(pick)))} (${comparisons.map((c) => x(pick(c))).join(', ')})`;
  const throughput = median(comparisons.map((c) => c.throughput));
  const n = comparisons.length;
  return [
    [`median of ${n} rounds: msgs/s ÷ dm (target ≥ ${DM_WS_TARGET.toFixed(2)})`, `${each((c) => c.throughput)} ${throughput >= DM_WS_TARGET ? 'met' : 'NOT met'}`],
    [`median of ${n} rounds: server CPU per msg ÷ dm`, each((c) => c.cpuPerMessage)],
    [`median of ${n} rounds: latency p99 ÷ dm`, each((c) => c.p99)],
    [
      `median of ${n} rounds: load CPU per msg (µs), dm / dm-ws`,
      `${us(median(comparisons.map((c) => c.load.tcp.cpuUsPerMessage)))} / ${us(median(comparisons.map((c) => c.load.websocket.cpuUsPerMessage)))}`,
    ],
  ];
}
