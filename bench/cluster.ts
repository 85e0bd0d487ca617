/**
 * The cluster workload: dm against cluster mode on one machine, CHAT_WORKERS=1 then 2,
 * on a MySQL/MariaDB and a Redis given by flags or started here.
 */
import { type Served, stopServing } from './children';
import { type Service, startMariadb, startRedis } from './cluster-services';
import type { RunContext } from './context';
import { dmWorkload } from './dm';
import { fixed, int, latencyText } from './format';
import type { Options } from './options';
import { row, say, warn } from './report';
import type { StreamResult } from './stream';
import { prefix, targetAll } from './workers';

export interface ClusterResult {
  readonly database: string;
  readonly redis: string;
  /** The dm workload with CHAT_WORKERS=1, then 2. */
  readonly byWorkers: { readonly workers: number; readonly result: StreamResult }[];
  /**
   * Two nodes (two server processes, one worker each), the CPU of both counted: every
   * pair on node a (same), then senders on a and receivers on b, so that every message
   * is one push routed through Redis (cross).
   */
  readonly twoNodes: { readonly same: StreamResult; readonly cross: StreamResult } | null;
}

/**
 * dm against cluster mode on one machine: CHAT_WORKERS=1, then 2 (each worker a node,
 * pushes between them through Redis), on a MySQL/MariaDB and a Redis given by flags or
 * started here. Null (with a warning) when neither is at hand.
 */
async function clusterWorkload(
  o: Options,
  folder: string,
  launch: (workers: number, env: Record<string, string>) => Promise<Served>,
): Promise<ClusterResult | null> {
  const started: Service[] = [];
  const provide = async (url: string | null, start: (dir: string) => Promise<Service>, what: string): Promise<Service | null> => {
    if (url !== null) return { url, description: `${what} given by flag`, stop: async () => undefined };
    try {
      const service = await start(folder);
      started.push(service);
      return service;
    } catch (error) {
      warn(`cluster: skipped: ${(error as Error).message}`);
      return null;
    }
  };
  try {
    say('[cluster] starting the database and Redis');
    const mysql = await provide(o.mysqlUrl, startMariadb, 'MySQL/MariaDB');
    const redis = mysql && (await provide(o.redisUrl, startRedis, 'Redis'));
    if (!mysql || !redis) return null;
    say(`[cluster] database: ${mysql.description}; redis: ${redis.description}`);
    const byWorkers: ClusterResult['byWorkers'] = [];
    for (const count of [1, 2]) {
      const served = await launch(count, {
        CHAT_DB: mysql.url,
        CHAT_REDIS_URL: redis.url,
        CHAT_REDIS_PREFIX: `${prefix}w${count}:`,
        CHAT_WORKERS: String(count),
        CHAT_NODE_ID: 'bench',
      });
      try {
        await targetAll({ host: '127.0.0.1', port: served.port });
        const result = await dmWorkload(`cluster, ${count} worker${count > 1 ? 's' : ''}`, served.pid, o, `c${count}`);
        byWorkers.push({ workers: count, result });
      } finally {
        await stopServing(served);
      }
    }
    const twoNodes = await sameAndCrossNode(o, launch, { CHAT_DB: mysql.url, CHAT_REDIS_URL: redis.url });
    return { database: mysql.description, redis: redis.description, byWorkers, twoNodes };
  } finally {
    for (const service of started.reverse()) await service.stop().catch(() => undefined);
  }
}

/** dm on two separate nodes: every pair on node a, then every pair across the two. */
async function sameAndCrossNode(
  o: Options,
  launch: (workers: number, env: Record<string, string>) => Promise<Served>,
  shared: Record<string, string>,
): Promise<ClusterResult['twoNodes']> {
  const env = (node: string): Record<string, string> => ({
    ...shared,
    CHAT_REDIS_PREFIX: `${prefix}n2:`,
    CHAT_WORKERS: '1',
    CHAT_NODE_ID: `bench-${node}`,
  });
  const a = await launch(1, env('a'));
  let b: Served | null = null;
  try {
    b = await launch(1, env('b'));
    const nodes = [a.pid, b.pid];
    await targetAll({ host: '127.0.0.1', port: a.port });
    const same = await dmWorkload('cluster, two nodes, pairs on one', nodes, o, 'ns');
    await targetAll({ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port });
    const cross = await dmWorkload('cluster, two nodes, pairs across', nodes, o, 'nx');
    return { same, cross };
  } finally {
    if (b) await stopServing(b);
    await stopServing(a);
  }
}

/** The cluster workload, and the split of CPU per message between same-node and cross-node. */
export async function runCluster(ctx: RunContext): Promise<void> {
  const { o, results, launchCluster, dbFolder } = ctx;
  const r = await clusterWorkload(o, dbFolder, launchCluster).finally(() => targetAll(ctx.serverTarget));
  if (r === null) return;
  results.cluster = r;
  for (const { workers: count, result } of r.byWorkers) {
    const label = `cluster ${count}w`;
    row(label, 'delivered msgs/s', int(result.perSecond), result.usage);
    row(label, 'latency p50/p95/p99/max (ms)', latencyText(result.latency), result.usage);
    row(label, 'CPU per delivered msg (µs)', fixed(result.cpuUsPerDelivery, 1), result.usage);
    row(label, 'sent / acked / received / missing', `${int(result.sent)} / ${int(result.acked)} / ${int(result.received)} / ${int(result.missing)}`, result.usage);
  }
  const [one, two] = r.byWorkers;
  if (one && two) {
    const ratio = two.result.perSecond / one.result.perSecond;
    row('cluster 2w÷1w', 'throughput (target ≥ 1.0)', `${fixed(ratio, 2)}x ${ratio >= 1 ? 'met' : 'NOT met'}`, null);
    // The server cannot say which node each connection landed on, so the split is
    // estimated: with one worker every message is same-node; with two, the kernel
    // spreads connections evenly, so about half the pairs cross nodes (through Redis).
    // cross = 2 x (CPU per msg with 2 workers) - same; Redis routing = cross - same.
    const same = one.result.cpuUsPerDelivery;
    const cross = 2 * two.result.cpuUsPerDelivery - same;
    const routing = cross - same;
    row('cluster', 'CPU per same-node msg (µs, 1 worker)', fixed(same, 1), null);
    row('cluster', 'CPU per cross-node msg (µs, est.: 2·2w − 1w)', fixed(cross, 1), null);
    row('cluster', 'Redis routing CPU per routed push (µs, est.; target ≤ 20)', `${fixed(routing, 1)} ${routing <= 20 ? 'met' : 'NOT met'}`, null);
    results.clusterSplit = { sameNodeCpuUs: same, crossNodeCpuUs: cross, redisRoutingCpuUs: routing, method: 'cross = 2*cpu(2 workers) - cpu(1 worker), assuming half the pairs cross nodes; routing = cross - same' };
  }
  if (r.twoNodes) {
    // Measured, not estimated: both nodes' CPU, every message on one node, then every message routed.
    const { same, cross } = r.twoNodes;
    for (const [label, result] of [['cluster 2 nodes, same', same], ['cluster 2 nodes, cross', cross]] as const) {
      row(label, 'delivered msgs/s', int(result.perSecond), result.usage);
      row(label, 'latency p50/p95/p99/max (ms)', latencyText(result.latency), result.usage);
      row(label, 'CPU of both nodes per msg (µs)', fixed(result.cpuUsPerDelivery, 1), result.usage);
    }
    const routing = cross.cpuUsPerDelivery - same.cpuUsPerDelivery;
    row('cluster 2 nodes', 'Redis routing CPU per routed push (µs, cross − same; target ≤ 20)', `${fixed(routing, 1)} ${routing <= 20 ? 'met' : 'NOT met'}`, null);
    results.clusterTwoNodes = {
      sameNodeCpuUs: same.cpuUsPerDelivery,
      crossNodeCpuUs: cross.cpuUsPerDelivery,
      redisRoutingCpuUs: routing,
      method: 'two server processes; CPU of both per message, all pairs on node a vs senders on a and receivers on b',
    };
  }
}
