/**
 * The fanout workload: one group of M online members, S senders keeping W messages in
 * flight for D s; deliveries/s and delivery latency.
 */
import type { RunContext } from './context';
import { fixed, int, latencyText } from './format';
import { nowUs } from './histogram';
import { onMysqlNode } from './mysql-node';
import type { Options } from './options';
import { row, say } from './report';
import { progress, settle } from './sampling';
import { stream, type StreamResult } from './stream';
import { closeAll, collectAll, prefix, slices, targetAll, workers } from './workers';

export interface FanoutResult extends StreamResult {
  readonly members: number;
  readonly senders: number;
  readonly setup: { registerS: number; groupS: number; loginS: number };
}

async function fanoutWorkload(pid: number, o: Options): Promise<FanoutResult> {
  const names = Array.from({ length: o.members }, (_, i) => `${prefix}f${i}`);
  const parts = slices(names, workers.length);
  say(`[fanout] registering ${int(o.members)} members`);
  let t = nowUs();
  let stop = progress('fanout setup', pid, (c, d, s) => `registered ${int(c.done)}/${int(o.members)} (${int(d.done / s)}/s)`);
  const ids = (await Promise.all(workers.map((w, i) => w.call<number[]>({ op: 'register', names: parts[i]!, concurrency: 64 })))).flat();
  stop();
  const registerS = (nowUs() - t) / 1e6;
  await collectAll();
  say(`[fanout] creating the group and adding ${int(o.members - 1)} members (before they log in)`);
  t = nowUs();
  stop = progress('fanout setup', pid, (c) => `added ${int(c.done)}/${int(o.members - 1)}`);
  const groupId = await workers[0]!.call<number>({ op: 'fanout.group', admin: names[0]!, memberIds: ids.slice(1) });
  stop();
  const groupS = (nowUs() - t) / 1e6;
  await collectAll();
  const step = Math.floor(o.members / o.senders);
  const senders = Array.from({ length: o.senders }, (_, i) => names[i * step]!);
  say(`[fanout] logging ${int(o.members)} members in; senders: ${senders.length}`);
  t = nowUs();
  stop = progress('fanout setup', pid, (c, d, s) => `logged in ${int(c.done)}/${int(o.members)} (${int(d.done / s)}/s)`);
  await Promise.all(
    workers.map((w, i) => w.call({ op: 'fanout.login', names: parts[i]!, senders, groupId, concurrency: 32 })),
  );
  stop();
  const loginS = (nowUs() - t) / 1e6;
  await settle(pid, o.settleTimeoutS);
  say(`[fanout] ${o.senders} senders x window ${o.window} to a group of ${int(o.members)} for ${o.durationS} s`);
  const result = await stream('fanout', pid, o, o.members - 1);
  await closeAll();
  return { ...result, members: o.members, senders: o.senders, setup: { registerS, groupS, loginS } };
}

/** The fanout workload against the run's server. */
export async function runFanout(ctx: RunContext): Promise<void> {
  const { o, results } = ctx;
  const r = await fanoutWorkload(ctx.server.pid, o);
  results.fanout = { window: o.window, ...r };
  row('fanout', 'deliveries/s', int(r.perSecond), r.usage);
  row('fanout', 'group messages acked/s', int(r.ackedPerSecond), r.usage);
  row('fanout', 'delivery latency p50/p95/p99/max (ms)', latencyText(r.latency), r.usage);
  row('fanout', 'ack latency p50/p95/p99/max (ms)', latencyText(r.ackLatency), r.usage);
  row('fanout', 'CPU per delivery (µs)', fixed(r.cpuUsPerDelivery, 1), r.usage);
  row('fanout', 'acked x (M-1) / received / missing', `${int(r.acked * (r.members - 1))} / ${int(r.received)} / ${int(r.missing)}`, r.usage);
}

/** fanout against one server node on MySQL/MariaDB. */
export async function runFanoutMysql(ctx: RunContext): Promise<void> {
  const { o, results, launchCluster, dbFolder } = ctx;
  const r = await onMysqlNode('fanout-mysql', o, dbFolder, launchCluster, (served) => fanoutWorkload(served.pid, o)).finally(() => targetAll(ctx.serverTarget));
  if (r === null) return;
  results['fanout-mysql'] = { ...r };
  row('fanout-mysql', 'deliveries/s', int(r.perSecond), r.usage);
  row('fanout-mysql', `deliveries/s to ${int(r.members)} members (target ≥ 30,000)`, `${int(r.perSecond)} ${r.perSecond >= 30_000 ? 'met' : 'NOT met'}`, r.usage);
  row('fanout-mysql', 'delivery latency p50/p95/p99/max (ms)', latencyText(r.latency), r.usage);
  row('fanout-mysql', 'CPU per delivery (µs)', fixed(r.cpuUsPerDelivery, 1), r.usage);
  row('fanout-mysql', 'load side CPU per delivery (µs)', fixed(r.loadCpuUsPerDelivery, 1), r.usage);
  row('fanout-mysql', 'acked x (M-1) / received / missing', `${int(r.acked * (r.members - 1))} / ${int(r.received)} / ${int(r.missing)}`, r.usage);
}
