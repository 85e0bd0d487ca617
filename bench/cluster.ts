/**
 * The cluster workload: dm against cluster mode on one machine, CHAT_WORKERS=1 then 2,
 * on a MySQL/MariaDB and a Redis given by flags or started here.
 */
import { type Served, stopServing } from './children';
import { type Service, startMariadb, startRedis } from './cluster-services';
import { dmWorkload } from './dm';
import type { Options } from './options';
import { say, warn } from './report';
import type { StreamResult } from './stream';
import { prefix, targetAll } from './workers';

export interface ClusterResult {
  readonly database: string;
  readonly redis: string;
  /** The dm workload with CHAT_WORKERS=1, then 2. */
  readonly byWorkers: { readonly workers: number; readonly result: StreamResult }[];
}

/**
 * dm against cluster mode on one machine: CHAT_WORKERS=1, then 2 (each worker a node,
 * pushes between them through Redis), on a MySQL/MariaDB and a Redis given by flags or
 * started here. Null (with a warning) when neither is at hand.
 */
export async function clusterWorkload(
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
    return { database: mysql.description, redis: redis.description, byWorkers };
  } finally {
    for (const service of started.reverse()) await service.stop().catch(() => undefined);
  }
}
