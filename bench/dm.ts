/**
 * The dm workload: K sender/receiver pairs, each sender keeping W messages in flight for
 * D s. dm-ws, dm-acks, dm-blocks, dm@half, dm-mysql, baseline and cluster are this
 * workload with another transport, receivers, pace or process under test.
 */
import type { RunContext } from './context';
import { fixed, int, latencyText } from './format';
import type { Transport } from './ipc';
import { onMysqlNode } from './mysql-node';
import type { Options } from './options';
import { row, say, warn } from './report';
import { progress, settle, type UnderTest } from './sampling';
import { stream, type StreamResult, streamRows } from './stream';
import { compareDm, dmComparisonRows, medianRows } from './websocket-workloads';
import { closeAll, prefix, targetAll, workers } from './workers';

/**
 * With `acks`, the receivers run in ack mode (PROTOCOL §8): ENABLE_ACKS, 2013 frames, batched ACKs.
 * With `blocks` > 0, every receiver blocks that many users and takes messages from friends only,
 * and its sender is a friend (PROTOCOL §10).
 */
export async function dmWorkload(
  label: string,
  pid: UnderTest,
  o: Options,
  tag = label.slice(0, 1),
  acks = false,
  blocks = 0,
  transport: Transport = 'tcp',
): Promise<StreamResult> {
  const pairs: [string, string][] = Array.from({ length: o.pairs }, (_, i) => [`${prefix}${tag}${i}s`, `${prefix}${tag}${i}r`]);
  let blocked: number[] | undefined;
  if (blocks > 0) {
    say(`[${label}] registering the ${blocks} users every receiver blocks`);
    const names = Array.from({ length: blocks }, (_, i) => `${prefix}${tag}x${i}`);
    blocked = await workers[0]!.call<number[]>({ op: 'register', names, concurrency: 64 });
  }
  const extra =
    (acks ? ' + ENABLE_ACKS' : blocks > 0 ? ` + friends + privacy friends + ${blocks} blocks each` : '') +
    (transport === 'websocket' ? ', every connection a WebSocket' : '');
  say(`[${label}] setting up ${o.pairs} sender/receiver pairs (register + login${extra})`);
  const stop = progress(`${label} setup`, pid, (c) => `pairs ready ${int(c.done)}/${int(o.pairs)}`);
  await Promise.all(
    workers.map((w, i) =>
      w.call({
        op: 'dm.setup',
        pairs: pairs.filter((_, p) => p % workers.length === i),
        acks,
        ackBatch: o.ackBatch,
        ackDelayMs: o.ackDelayMs,
        blocked,
        transport,
      }),
    ),
  );
  stop();
  say(
    `[${label}] ${o.pairs} pairs x window ${o.window} for ${o.durationS} s, ${o.size}-byte messages` +
      (acks ? `; receivers acknowledge every ${o.ackBatch} messages or ${o.ackDelayMs} ms` : ''),
  );
  const result = await stream(label, pid, o, 1, acks);
  await closeAll();
  return result;
}

/** dm, then (without --rate) dm@half: the same workload on fresh users paced to half of dm's rate. */
export async function runDm(ctx: RunContext): Promise<void> {
  const { o, results } = ctx;
  const dm = await dmWorkload('dm', ctx.server.pid, o);
  ctx.dm = dm;
  results.dm = { pairs: o.pairs, window: o.window, ...dm };
  streamRows('dm', dm, 'delivered msgs');
  if (o.rate === 0 && dm.perSecond > 0) {
    // Latency at a sustainable load: the same workload, fresh users, paced to
    // half of what the server just did flat out.
    const rate = Math.max(1, Math.floor(dm.perSecond / 2));
    await settle(ctx.server.pid, o.settleTimeoutS);
    ctx.dmHalfRate = rate;
    const half = await dmWorkload('dm@half', ctx.server.pid, { ...o, rate }, 'h');
    results['dm@half'] = { pairs: o.pairs, window: o.window, rate, ...half };
    row('dm@half', `delivered msgs/s (paced to ${int(rate)}/s)`, int(half.perSecond), half.usage);
    row('dm@half', 'latency p50/p95/p99/max (ms)', latencyText(half.latency), half.usage);
    const p99Ms = half.latency.p99Us / 1000;
    row('dm@half', 'p99 (target ≤ 10 ms)', `${fixed(p99Ms, 2)} ms ${p99Ms <= 10 ? 'met' : 'NOT met'}`, half.usage);
    row('dm@half', 'CPU per delivered msg (µs)', fixed(half.cpuUsPerDelivery, 1), half.usage);
  }
}

/** dm with every connection a WebSocket, against dm of the same run. */
export async function runDmWs(ctx: RunContext): Promise<void> {
  const { o, results, wsComparisons, dm, cores } = ctx;
  const r = await dmWorkload('dm-ws', ctx.server.pid, o, 'w', false, 0, 'websocket');
  const comparison = dm === null ? null : compareDm(dm, r, cores);
  if (comparison !== null) wsComparisons.push(comparison);
  results['dm-ws'] = { pairs: o.pairs, window: o.window, ...r, comparedWithDm: comparison };
  streamRows('dm-ws', r, 'delivered msgs');
  for (const [figure, value] of comparison === null ? [] : dmComparisonRows(comparison)) row('dm-ws', figure, value, null);
}

/** dm with every receiver in ack mode, against dm of the same run. */
export async function runDmAcks(ctx: RunContext): Promise<void> {
  const { o, results, dm } = ctx;
  const r = await dmWorkload('dm-acks', ctx.server.pid, o, 'a', true);
  const ratio = dm === null ? NaN : r.perSecond / dm.perSecond;
  results['dm-acks'] = { pairs: o.pairs, window: o.window, ackBatch: o.ackBatch, ackDelayMs: o.ackDelayMs, ...r, ratioToDm: ratio };
  streamRows('dm-acks', r, 'delivered msgs');
  row('dm-acks', 'received / confirmed by ACK replies', `${int(r.received)} / ${int(r.confirmed)}`, r.usage);
  row('dm-acks', `÷ dm of this run (target ≥ 0.80)`, `${fixed(ratio, 2)}x ${ratio >= 0.8 ? 'met' : 'NOT met'}`, null);
  if (r.confirmed !== r.received) warn(`dm-acks: ${int(r.received)} messages received, ${int(r.confirmed)} confirmed as newly delivered by ACK`);
}

/** dm with every receiver holding --blocks blocks and privacy friends, against dm of the same run. */
export async function runDmBlocks(ctx: RunContext): Promise<void> {
  const { o, results, dm } = ctx;
  const r = await dmWorkload('dm-blocks', ctx.server.pid, o, 'k', false, o.blocks);
  const ratio = dm === null ? NaN : r.perSecond / dm.perSecond;
  results['dm-blocks'] = { pairs: o.pairs, window: o.window, blocks: o.blocks, ...r, ratioToDm: ratio };
  streamRows('dm-blocks', r, 'delivered msgs');
  row('dm-blocks', `÷ dm of this run (target ≥ 0.95)`, `${fixed(ratio, 2)}x ${ratio >= 0.95 ? 'met' : 'NOT met'}`, null);
}

/** dm against one server node on MySQL/MariaDB. */
export async function runDmMysql(ctx: RunContext): Promise<void> {
  const { o, results, launchCluster, dbFolder } = ctx;
  const r = await onMysqlNode('dm-mysql', o, dbFolder, launchCluster, (served) => dmWorkload('dm-mysql', served.pid, o, 'm')).finally(() => targetAll(ctx.serverTarget));
  if (r === null) return;
  results['dm-mysql'] = { pairs: o.pairs, window: o.window, ...r };
  streamRows('dm-mysql', r, 'delivered msgs');
  row('dm-mysql', 'msgs/s (target ≥ 15,000)', `${int(r.perSecond)} ${r.perSecond >= 15_000 ? 'met' : 'NOT met'}`, r.usage);
  row('dm-mysql', 'server CPU per msg (target ≤ 60 µs)', `${fixed(r.cpuUsPerDelivery, 1)} ${r.cpuUsPerDelivery <= 60 ? 'met' : 'NOT met'}`, r.usage);
}

/** With several rounds, the medians of dm-ws's ratios to dm. */
export function dmWsMedianRows(ctx: RunContext): void {
  const { wsComparisons } = ctx;
  if (wsComparisons.length > 1) {
    for (const [figure, value] of medianRows(wsComparisons)) row('dm-ws', figure, value, null);
  }
}
