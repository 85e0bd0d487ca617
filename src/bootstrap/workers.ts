import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../application';

/** How long to wait before starting a worker again after one died, doubling to a minute. */
const RESTART_DELAY_MS = { first: 1_000, max: 60_000 } as const;

/** A worker that lived this long before dying is restarted after the shortest delay again. */
const HEALTHY_RUN_MS = 30_000;

/**
 * CHAT_WORKERS=N: this process forks N workers that share the listening port
 * (node:cluster), each a node of the cluster named `<nodeId>-<i>`, and restarts any
 * that dies. SIGINT/SIGTERM stop every worker (each closes its connections, so
 * friends see users go offline) and then this process, with exit code 0.
 */
export function runWorkers(count: number, baseNodeId: string, logger: Logger): void {
  const stopping = { now: false };
  const delays = new Map<number, number>();

  const fork = (index: number): void => {
    const startedAt = Date.now();
    const worker = cluster.fork({ CHAT_NODE_ID: `${baseNodeId}-${index}`, CHAT_WORKERS: '1' });
    worker.on('exit', (code, signal) => {
      if (stopping.now) return;
      const lived = Date.now() - startedAt;
      const previous = delays.get(index) ?? 0;
      const delay = lived >= HEALTHY_RUN_MS || previous === 0 ? RESTART_DELAY_MS.first : Math.min(previous * 2, RESTART_DELAY_MS.max);
      delays.set(index, delay);
      logger.error('worker exited; starting it again', { worker: index, code, signal, restartInMs: delay });
      setTimeout(() => {
        if (!stopping.now) fork(index);
      }, delay).unref();
    });
  };
  for (let index = 1; index <= count; index += 1) fork(index);
  logger.info('started workers', { workers: count });

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping.now) return;
    stopping.now = true;
    logger.info('shutting down workers', { signal });
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    let running = workers.filter((w) => !w.isDead()).length;
    if (running === 0) process.exit(0);
    let failed = false;
    for (const worker of workers) {
      if (worker.isDead()) continue;
      worker.on('exit', (code) => {
        if (code !== 0) failed = true;
        running -= 1;
        if (running === 0) {
          logger.info('stopped');
          process.exit(failed ? 1 : 0);
        }
      });
      worker.process.kill(signal);
    }
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** Whether this process is the one that forks workers rather than serves. */
export function isWorkerPrimary(workers: number): boolean {
  return workers > 1 && cluster.isPrimary;
}
