/**
 * The baseline workload: dm against bench/relay.ts, a bare frame relay that parses and
 * forwards frames, and the server/relay ratios of throughput and p99.
 */
import { join } from 'node:path';
import { startServing, stopServing } from './children';
import type { RunContext } from './context';
import { dmWorkload } from './dm';
import { fixed, int, latencyText } from './format';
import { row, say } from './report';
import { streamRows, type StreamResult } from './stream';
import { targetAll } from './workers';

/** The dm workload against bench/relay.ts, a bare frame relay. */
export async function runBaseline(ctx: RunContext): Promise<void> {
  const { o, results, baseEnv } = ctx;
  const relay = await startServing('relay', join(__dirname, 'relay.js'), [], { ...baseEnv, RELAY_PORT: '0' }, 'relay listening', null);
  ctx.relayInfo = { pid: relay.pid, port: relay.port };
  say(`relay pid ${relay.pid} listening on 127.0.0.1:${relay.port}`);
  await targetAll({ host: '127.0.0.1', port: relay.port });
  let half: StreamResult | null = null;
  const rate = ctx.dmHalfRate;
  try {
    ctx.baseline = await dmWorkload('baseline', relay.pid, o);
    // The relay paced to dm@half's rate: what the load and the machine alone cost in latency there.
    if (rate !== null) half = await dmWorkload('baseline@half', relay.pid, { ...o, rate }, 'bh');
  } finally {
    await targetAll(ctx.serverTarget);
    await stopServing(relay);
  }
  const baseline = ctx.baseline;
  results.baseline = { pairs: o.pairs, window: o.window, process: 'bench/relay.ts', ...baseline };
  streamRows('baseline', baseline, 'delivered msgs');
  if (half !== null && rate !== null) {
    results['baseline@half'] = { pairs: o.pairs, window: o.window, rate, process: 'bench/relay.ts', ...half };
    row('baseline@half', `delivered msgs/s (paced to ${int(rate)}/s, as dm@half)`, int(half.perSecond), half.usage);
    row('baseline@half', 'latency p50/p95/p99/max (ms)', latencyText(half.latency), half.usage);
    row('baseline@half', 'CPU per delivered msg (µs)', fixed(half.cpuUsPerDelivery, 1), half.usage);
  }
}

/** After the rounds: dm of the run against baseline, the server's throughput and p99 over the relay's. */
export function serverOverRelayRows(ctx: RunContext): void {
  const { dm, baseline, results } = ctx;
  let ratios: { throughput: number; p99: number } | null = null;
  if (dm !== null && baseline !== null) {
    ratios = { throughput: dm.perSecond / baseline.perSecond, p99: dm.latency.p99Us / baseline.latency.p99Us };
    results.ratios = { serverOverRelay: ratios };
    const relayDriven = baseline.perSecond >= 150_000;
    row(
      'server÷relay',
      'throughput (target ≥ 0.5, relay driven past 150,000/s)',
      `${fixed(ratios.throughput, 3)}x ${ratios.throughput >= 0.5 && relayDriven ? 'met' : 'NOT met'}${relayDriven ? '' : ' (relay under 150,000/s: the load side may be the limit)'}`,
      null,
    );
    row('server÷relay', 'p99 latency', `${fixed(ratios.p99, 2)}x`, null);
  }
}
