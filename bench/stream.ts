/**
 * The timed sending phase shared by the dm, fanout and baseline workloads, and the rows
 * that report one.
 */
import { fixed, int, latencyText, sleep, sleepUntil } from './format';
import { nowUs, type LatencySummary } from './histogram';
import type { Options } from './options';
import { row, say, warn } from './report';
import { disturbed, progress, snap, usage, type UnderTest, type Usage } from './sampling';
import { checkCounters, collectAll, totals, workers } from './workers';

/** A measured sending phase on the monotonic clock (process.hrtime, µs): CPU profiles are summarized over each. */
export interface MeasuredWindow {
  readonly label: string;
  readonly fromUs: number;
  readonly toUs: number;
}

/** Every sending phase of the run, in order. */
export const measuredWindows: MeasuredWindow[] = [];

export interface StreamResult {
  readonly durationS: number;
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  readonly received: number;
  readonly receivedInWindow: number;
  readonly ackedInWindow: number;
  /** Acknowledged deliveries that never arrived (the drain stops after DRAIN_STALL_US without one). */
  readonly missing: number;
  /** From the end of sending until the last ack and delivery. */
  readonly drainSeconds: number;
  readonly perSecond: number;
  readonly ackedPerSecond: number;
  readonly latency: LatencySummary;
  readonly ackLatency: LatencySummary;
  /** dm-acks: deliveries the server confirmed in its ACK replies. */
  readonly confirmed: number;
  readonly usage: Usage;
  /** CPU time of the process under test per delivery in the window, µs. */
  readonly cpuUsPerDelivery: number;
  /** CPU time of all load workers together per delivery in the window, µs. */
  readonly loadCpuUsPerDelivery: number;
  readonly firstError: string | null;
}

/**
 * The timed part shared by dm, fanout and baseline: all workers send from a common
 * start time for D seconds; then the last deliveries are awaited.
 */
export async function stream(label: string, pid: UnderTest, o: Options, deliveriesPerAck: number, acks = false): Promise<StreamResult> {
  await collectAll(); // counters of the setup start afresh
  const startUs = nowUs() + 500_000;
  const endUs = startUs + o.durationS * 1e6;
  const rate = o.rate / workers.length;
  const running = Promise.all(
    workers.map((w) => w.call({ op: 'run', startUs, endUs, window: o.window, size: o.size, rate })),
  );
  await sleepUntil(startUs);
  const a = snap(pid);
  const stop = progress(label, pid, (c, d, s) =>
    `sent ${int(c.sent)}  acked ${int(c.acked)}  received ${int(c.received)}  ${int(d.received / s)}/s`,
  );
  await sleepUntil(endUs);
  const b = snap(pid);
  measuredWindows.push({ label, fromUs: a.atUs, toUs: b.atUs });
  say(`[${label}] sending stopped after ${o.durationS} s; waiting for the requests in flight and their deliveries`);
  await running;
  // Deliveries may trail the acks: wait as long as they keep coming.
  let c = await totals();
  let lastReceived = c.received;
  let lastProgressUs = nowUs();
  while (c.received < c.acked * deliveriesPerAck && nowUs() - lastProgressUs < DRAIN_STALL_US) {
    await sleep(100);
    c = await totals();
    if (c.received !== lastReceived) {
      lastReceived = c.received;
      lastProgressUs = nowUs();
    }
  }
  // Ack mode: the receivers' last batches are acknowledged within ackDelayMs.
  for (const until = nowUs() + o.ackDelayMs * 1000 + 5e6; acks && c.confirmed < c.received && nowUs() < until; ) {
    await sleep(50);
    c = await totals();
  }
  stop();
  const drainS = (nowUs() - b.atUs) / 1e6;
  const collected = await collectAll();
  const k = collected.counters;
  checkCounters(label, k);
  const missing = Math.max(0, k.acked * deliveriesPerAck - k.received);
  if (missing > 0) warn(`${label}: ${int(missing)} acknowledged deliveries had not arrived when none came for ${DRAIN_STALL_US / 1e6} s`);
  const u = usage(a, b);
  disturbed(label, u);
  const durationS = (b.atUs - a.atUs) / 1e6;
  return {
    durationS,
    sent: k.sent,
    acked: k.acked,
    failed: k.failed,
    received: k.received,
    receivedInWindow: k.receivedInWindow,
    ackedInWindow: k.ackedInWindow,
    missing,
    drainSeconds: drainS,
    perSecond: k.receivedInWindow / durationS,
    ackedPerSecond: k.ackedInWindow / durationS,
    latency: collected.latency.summary(),
    ackLatency: collected.ack.summary(),
    confirmed: k.confirmed,
    usage: u,
    cpuUsPerDelivery: (u.cpuSeconds * 1e6) / k.receivedInWindow,
    loadCpuUsPerDelivery: (u.loadCpuPct * u.seconds * 1e4) / k.receivedInWindow,
    firstError: k.firstError,
  };
}

const DRAIN_STALL_US = 20e6;

export function streamRows(workload: string, r: StreamResult, what: string): void {
  row(workload, `${what}/s`, int(r.perSecond), r.usage);
  row(workload, 'latency p50/p95/p99/max (ms)', latencyText(r.latency), r.usage);
  row(workload, 'ack latency p50/p95/p99/max (ms)', latencyText(r.ackLatency), r.usage);
  row(workload, `CPU per ${what.replace(/s$/, '')} (µs)`, fixed(r.cpuUsPerDelivery, 1), r.usage);
  row(workload, `load side CPU per ${what.replace(/s$/, '')} (µs)`, fixed(r.loadCpuUsPerDelivery, 1), r.usage);
  row(workload, 'sent / acked / received / missing', `${int(r.sent)} / ${int(r.acked)} / ${int(r.received)} / ${int(r.missing)}`, r.usage);
}
