/**
 * The offline workload: X messages stored for an offline user, then fetched with
 * GET_OFFLINE_MESSAGES batches: store rate, fetch time.
 */
import type { RunContext } from './context';
import { fixed, int, latencyText } from './format';
import type { LatencySummary } from './histogram';
import type { OfflineFetch, PhaseTiming } from './ipc';
import type { Options } from './options';
import { row, say, warn } from './report';
import { disturbed, progress, snap, usage, type Usage } from './sampling';
import { checkCounters, closeAll, collectAll, prefix, workers } from './workers';

export interface OfflineResult {
  readonly messages: number;
  readonly stored: number;
  readonly storeSeconds: number;
  readonly storePerSecond: number;
  readonly ackLatency: LatencySummary;
  readonly storeUsage: Usage;
  readonly fetched: number;
  readonly fetchSeconds: number;
  readonly batches: number;
  readonly largestBatch: number;
  readonly inOrder: boolean;
  readonly complete: boolean;
  readonly fetchUsage: Usage;
  readonly firstError: string | null;
}

async function offlineWorkload(pid: number, o: Options): Promise<OfflineResult> {
  const sender = `${prefix}os`;
  const receiver = `${prefix}or`;
  const w = workers[0]!;
  await w.call({ op: 'register', names: [sender, receiver], concurrency: 2 });
  await collectAll();
  say(`[offline] storing ${int(o.offlineMessages)} messages for an offline user, window ${o.window}`);
  let a = snap(pid);
  let stop = progress('offline store', pid, (c, d, s) => `stored ${int(c.acked)}/${int(o.offlineMessages)} (${int(d.acked / s)}/s)`);
  const store = await w.call<PhaseTiming>({
    op: 'offline.store',
    sender,
    receiver,
    count: o.offlineMessages,
    window: o.window,
    size: o.size,
  });
  let b = snap(pid);
  stop();
  const storeUsage = usage(a, b);
  disturbed('offline store', storeUsage);
  const stored = await collectAll();
  checkCounters('offline store', stored.counters);
  say(`[offline] fetching them with GET_OFFLINE_MESSAGES`);
  a = snap(pid);
  stop = progress('offline fetch', pid, (c) => `fetched ${int(c.received)}/${int(store.count)}`);
  const fetch = await w.call<OfflineFetch>({ op: 'offline.fetch', receiver, expected: store.count });
  b = snap(pid);
  stop();
  const fetchUsage = usage(a, b);
  disturbed('offline fetch', fetchUsage);
  const fetched = await collectAll();
  checkCounters('offline fetch', fetched.counters);
  await closeAll();
  const complete = fetch.count === store.count;
  if (!complete) warn(`offline: ${int(store.count)} messages acknowledged, ${int(fetch.count)} fetched`);
  if (!fetch.inOrder) warn('offline: the messages were not fetched in the order they were sent');
  const storeSeconds = (store.endUs - store.startUs) / 1e6;
  return {
    messages: o.offlineMessages,
    stored: store.count,
    storeSeconds,
    storePerSecond: store.count / storeSeconds,
    ackLatency: stored.ack.summary(),
    storeUsage,
    fetched: fetch.count,
    fetchSeconds: (fetch.endUs - fetch.startUs) / 1e6,
    batches: fetch.batches,
    largestBatch: fetch.largestBatch,
    inOrder: fetch.inOrder,
    complete,
    fetchUsage,
    firstError: stored.counters.firstError ?? fetched.counters.firstError,
  };
}

/** The offline workload. */
export async function runOffline(ctx: RunContext): Promise<void> {
  const { o, results } = ctx;
  const r = await offlineWorkload(ctx.server.pid, o);
  results.offline = r;
  row('offline', 'stored msgs/s', int(r.storePerSecond), r.storeUsage);
  row('offline', 'store ack latency p50/p95/p99/max (ms)', latencyText(r.ackLatency), r.storeUsage);
  row('offline', `fetch time for ${int(r.fetched)} msgs (s)`, fixed(r.fetchSeconds, 2), r.fetchUsage);
  row('offline', 'batches / largest / complete, in order', `${r.batches} / ${r.largestBatch} / ${r.complete ? 'yes' : 'NO'}, ${r.inOrder ? 'yes' : 'NO'}`, r.fetchUsage);
}
