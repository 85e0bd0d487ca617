import { TEST_SCRYPT_COST } from '../../src/adapters/crypto/scrypt-password-hasher';
import { parseMysqlUrl } from '../../src/adapters/persistence/typeorm/database-url';
import { createCore, type ChatCore, type CoreOptions } from '../../src/bootstrap/create-core';
import { startServer } from '../../src/bootstrap/start-server';
import { silentLogger } from '../support/e2e-server';
import { freshDatabase } from '../support/engines';
import { describeOnMysql, freshWorkerDatabase } from '../support/mysql';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { describeOnCluster, startPrivateRedis, stopPrivateRedises, uniqueRedisPrefix } from '../support/redis';
import { TcpProxy } from '../support/tcp-proxy';

/**
 * `core.ready()`, what /readyz answers: ready only while the database answers (and,
 * in cluster mode, Redis is connected), and within its timeout when it does not.
 */
const READINESS_TIMEOUT_MS = 500;

const cores: ChatCore[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

async function openCore(options: CoreOptions): Promise<ChatCore> {
  const core = await createCore({
    passwordCost: TEST_SCRYPT_COST,
    banCheckMs: 0,
    logger: silentLogger,
    readinessTimeoutMs: READINESS_TIMEOUT_MS,
    ...options,
  });
  cores.push(core);
  return core;
}

/** ready(), and how long it took. */
async function timedReady(core: ChatCore): Promise<{ ready: boolean; checks: object; ms: number }> {
  const started = Date.now();
  const report = await core.ready();
  return { ...report, ms: Date.now() - started };
}

async function eventuallyReady(core: ChatCore, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await core.ready()).ready) {
    if (Date.now() > deadline) throw new Error('not ready again in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

afterEach(async () => {
  await Promise.all(cores.splice(0).map((core) => core.close()));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stopPrivateRedises();
});

describe('readiness on in-memory storage and SQLite', () => {
  it('in-memory storage is always ready', async () => {
    const core = await openCore({ storage: 'in-memory' });
    expect(await core.ready()).toEqual({ ready: true, checks: { database: 'ok' } });
  });

  it('SQLite is ready while open, and not ready once the core is closed', async () => {
    const database = await freshDatabase('sqlite');
    cleanups.push(() => database.dispose());
    const core = await openCore({ storage: database.storage });
    expect(await core.ready()).toEqual({ ready: true, checks: { database: 'ok' } });
    await core.close();
    expect(await core.ready()).toEqual({ ready: false, checks: { database: 'failed' } });
  });
});

describeOnMysql()('readiness on MySQL/MariaDB while the database is unreachable', () => {
  /** This worker's database, reached through a proxy the test can cut. */
  async function databaseBehindProxy(): Promise<{ url: string; proxy: TcpProxy }> {
    const url = await freshWorkerDatabase();
    const target = parseMysqlUrl(url);
    const proxy = await TcpProxy.start({ host: target.host, port: target.port });
    cleanups.push(() => proxy.close());
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    return { url: proxied.toString(), proxy };
  }

  async function coreBehindProxy(): Promise<{ core: ChatCore; proxy: TcpProxy }> {
    const { url, proxy } = await databaseBehindProxy();
    const core = await openCore({ storage: url, dbConnectTimeoutMs: 1000, dbQueryTimeoutMs: 1500 });
    return { core, proxy };
  }

  it('/readyz answers 503 naming the failed check while the database is unreachable, 200 once it is back', async () => {
    const { url, proxy } = await databaseBehindProxy();
    const server = await startServer({
      host: '127.0.0.1',
      port: 0,
      httpPort: 0,
      storage: url,
      dbConnectTimeoutMs: 1000,
      dbQueryTimeoutMs: 1500,
      readinessTimeoutMs: READINESS_TIMEOUT_MS,
      passwordCost: TEST_SCRYPT_COST,
      banCheckMs: 0,
      logger: silentLogger,
    });
    cleanups.push(() => server.close());
    const readyz = async (): Promise<{ status: number; body: unknown }> => {
      const answer = await fetch(`http://127.0.0.1:${server.httpPort}/readyz`);
      return { status: answer.status, body: await answer.json() };
    };
    expect(await readyz()).toEqual({ status: 200, body: { ready: true, checks: { database: 'ok' } } });

    proxy.setMode('refuse');
    expect(await readyz()).toEqual({ status: 503, body: { ready: false, checks: { database: 'failed' } } });
    const healthz = await fetch(`http://127.0.0.1:${server.httpPort}/healthz`);
    expect(healthz.status).toBe(200);

    proxy.setMode('forward');
    const deadline = Date.now() + 15_000;
    let last = await readyz();
    while (last.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await readyz();
    }
    expect(last).toEqual({ status: 200, body: { ready: true, checks: { database: 'ok' } } });
  }, 30_000);

  it('is not ready while the server refuses connections, and ready again once it is back', async () => {
    const { core, proxy } = await coreBehindProxy();
    expect(await core.ready()).toEqual({ ready: true, checks: { database: 'ok' } });

    proxy.setMode('refuse');
    const down = await timedReady(core);
    expect(down).toMatchObject({ ready: false, checks: { database: 'failed' } });
    expect(down.ms).toBeLessThan(READINESS_TIMEOUT_MS + 1000);

    proxy.setMode('forward');
    await eventuallyReady(core);
    expect(await core.ready()).toEqual({ ready: true, checks: { database: 'ok' } });
  });

  it('answers not ready within its timeout while the database hangs, however often it is asked', async () => {
    const { core, proxy } = await coreBehindProxy();
    expect((await core.ready()).ready).toBe(true);

    proxy.setMode('hang');
    const reports = await Promise.all([timedReady(core), timedReady(core), timedReady(core)]);
    for (const report of reports) {
      expect(report).toMatchObject({ ready: false, checks: { database: 'failed' } });
      expect(report.ms).toBeGreaterThanOrEqual(READINESS_TIMEOUT_MS - 50);
      expect(report.ms).toBeLessThan(READINESS_TIMEOUT_MS + 1000);
    }
    const later = await timedReady(core);
    expect(later.ready).toBe(false);
    expect(later.ms).toBeLessThan(READINESS_TIMEOUT_MS + 1000);

    proxy.setMode('forward');
    await eventuallyReady(core);
  }, 30_000);
});

describeOnCluster()('readiness in cluster mode', () => {
  it('is ready only while Redis is connected too; the metrics show the link state', async () => {
    const redis = await startPrivateRedis();
    const core = await openCore({
      storage: await freshWorkerDatabase(),
      nodeId: `ready-${process.pid}-${Date.now()}`,
      cluster: { redisUrl: redis.url, prefix: uniqueRedisPrefix(), nodeTtlMs: 3000 },
    });
    const linkState = async () =>
      sampleValue(parsePrometheusText(await core.metrics.render()), 'chat_cluster_redis_connected');
    expect(await core.ready()).toEqual({ ready: true, checks: { database: 'ok', redis: 'ok' } });
    expect(await linkState()).toBe(1);

    await redis.stop();
    const deadline = Date.now() + 10_000;
    while ((await core.ready()).ready && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await core.ready()).toEqual({ ready: false, checks: { database: 'ok', redis: 'failed' } });
    expect(await linkState()).toBe(0);

    await redis.start();
    await eventuallyReady(core);
    expect(await core.ready()).toEqual({ ready: true, checks: { database: 'ok', redis: 'ok' } });
    expect(await linkState()).toBe(1);
  }, 30_000);
});
