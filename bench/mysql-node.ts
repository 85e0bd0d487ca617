/**
 * One chat server node on MySQL/MariaDB (no Redis, no workers), for dm-mysql and
 * fanout-mysql: --mysql-url, or a private MariaDB started for the workload.
 */
import { join } from 'node:path';
import { type Served, stopServing } from './children';
import { type Service, startMariadb } from './cluster-services';
import type { Options } from './options';
import { say, warn } from './report';
import { targetAll } from './workers';

/**
 * Runs `measure` against one chat server node on MySQL/MariaDB (no Redis, no workers):
 * --mysql-url, or a private MariaDB started for it and stopped after. Null (with a
 * warning) without one.
 */
export async function onMysqlNode<T>(
  label: string,
  o: Options,
  folder: string,
  launch: (workers: number, env: Record<string, string>) => Promise<Served>,
  measure: (served: Served) => Promise<T>,
): Promise<T | null> {
  let started: Service | null = null;
  try {
    say(`[${label}] starting the database`);
    let url = o.mysqlUrl;
    if (url === null) {
      try {
        started = await startMariadb(join(folder, label));
      } catch (error) {
        warn(`${label}: skipped: ${(error as Error).message}`);
        return null;
      }
      url = started.url;
    }
    say(`[${label}] database: ${started?.description ?? 'given by --mysql-url'}`);
    const served = await launch(1, { CHAT_DB: url });
    try {
      await targetAll({ host: '127.0.0.1', port: served.port });
      return await measure(served);
    } finally {
      await stopServing(served);
    }
  } finally {
    await started?.stop().catch(() => undefined);
  }
}
