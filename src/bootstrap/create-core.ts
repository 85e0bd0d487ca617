import 'reflect-metadata';
import { Container } from 'inversify';
import type { ChatUseCases, Clock, Logger, LoginThrottle, Storage } from '../application';
import { DEFAULT_SESSION_TOKEN_POLICY, describeError } from '../application';
import { RandomSecretTokens } from '../adapters/crypto/random-secret-tokens';
import { DEFAULT_SCRYPT_COST, ScryptPasswordHasher, type ScryptCost } from '../adapters/crypto/scrypt-password-hasher';
import { LocalConnectionRegistry } from '../adapters/delivery/local-connection-registry';
import { InMemoryStorage } from '../adapters/persistence/in-memory/in-memory-storage';
import { TypeOrmStorage } from '../adapters/persistence/typeorm/typeorm-storage';
import { isMysqlUrl } from '../adapters/persistence/typeorm/database-url';
import { RedisCluster } from '../adapters/cluster/redis-cluster';
import { ChatMetrics } from '../adapters/monitoring/chat-metrics';
import { DEFAULT_READINESS_TIMEOUT_MS, ReadinessCheck, type ReadinessReport } from '../adapters/monitoring/readiness-check';
import type { AddressFailureCounter, AddressFailureLimits } from '../adapters/security/address-failure-counter';
import { InMemoryLoginThrottle, type InMemoryLoginThrottleOptions } from '../adapters/security/in-memory-login-throttle';
import { PinoLogger } from '../adapters/system/pino-logger';
import { SystemClock } from '../adapters/system/system-clock';
import { DEFAULT_CONFIG } from './config';
import {
  clusterDeliveryModule,
  localDeliveryModule,
  storageModule,
  systemModule,
  useCaseModule,
} from './container-modules';
import { TOKENS } from './tokens';

export interface CoreOptions {
  /**
   * Where data lives: a SQLite file path or `:memory:` (default `./data/chat.sqlite`),
   * `mysql://user:password@host:port/database` for MySQL or MariaDB,
   * `'in-memory'` for the in-process fakes, or a Storage you opened yourself.
   */
  readonly storage?: string | 'in-memory' | Storage;
  readonly sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** SQLite file only: the hot writes on a thread of their own (the default), or all on the main connection. */
  readonly sqliteWriteThread?: boolean;
  /** MySQL connection pool: its size (default 10). */
  readonly dbPoolSize?: number;
  /** MySQL: how long opening a connection may take, in ms (default 10000). */
  readonly dbConnectTimeoutMs?: number;
  /** MySQL: how long a statement may wait for its answer, in ms; 0 for no limit (default 10000). */
  readonly dbQueryTimeoutMs?: number;
  /** MySQL: lanes of group-commit batches for the hot writes, each on a connection of its own (default 1). */
  readonly dbBatchConnections?: number;
  /** scrypt cost; lower it only for tests and benchmarks. */
  readonly passwordCost?: ScryptCost;
  /** Password hashes computed at once (default: one less than the cores, at most 3, at least 1). */
  readonly hashConcurrency?: number;
  readonly loginMaxFailures?: number;
  readonly loginWindowMs?: number;
  /** How often banned users' connections are looked for and closed; 0 turns it off. */
  readonly banCheckMs?: number;
  readonly nodeId?: string;
  /** How long a session token (PROTOCOL.md §8) stays valid, in ms (default 30 days). */
  readonly sessionTokenTtlMs?: number;
  /**
   * Cluster mode: this process is one node of several sharing a MySQL database and
   * a Redis, which routes pushes and keeps presence across them.
   */
  readonly cluster?: ClusterOptions;
  /** How long `ready()` waits for the database before it answers not ready, in ms (default 2000). */
  readonly readinessTimeoutMs?: number;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

export interface ClusterOptions {
  /** `redis://[user:password@]host:port[/db]`. */
  readonly redisUrl: string;
  /** Put before every key and channel (default `chat:`). */
  readonly prefix?: string;
  /** How long a node's heartbeat lives; a node silent that long is dead (default 6000 ms). */
  readonly nodeTtlMs?: number;
}

/** The chat's use-cases wired to their adapters, without any transport. */
export interface ChatCore {
  readonly useCases: ChatUseCases;
  /** Connections and presence: a transport registers its connections here. */
  readonly connections: LocalConnectionRegistry;
  readonly storage: Storage;
  readonly logger: Logger;
  /**
   * This core's metrics (a Prometheus registry of its own): transports pass it to
   * their connections as their ConnectionObserver; `render()` is the /metrics body.
   */
  readonly metrics: ChatMetrics;
  /**
   * Whether the core can serve now (/readyz): the database answers a trivial query
   * and, in cluster mode, Redis is connected. Answers within `readinessTimeoutMs`
   * (not ready when the database has not answered by then); never rejects.
   */
  ready(): Promise<ReadinessReport>;
  /**
   * In cluster mode, builds the per-address count of failed logins shared by the
   * nodes through Redis (a transport's hub takes it); absent on a single node.
   */
  readonly loginFailureCounter?: (limits: AddressFailureLimits) => AddressFailureCounter;
  /** Stops background work and closes the storage (close transports first). */
  close(): Promise<void>;
}

/** Failed logins per username: shared through Redis in cluster mode, else in this process. */
function loginThrottle(cluster: RedisCluster | null, options: InMemoryLoginThrottleOptions): LoginThrottle {
  if (cluster === null) return new InMemoryLoginThrottle(options);
  return cluster.failureCounter('user', options, options.clock);
}

/** A cluster's nodes share one database: MySQL, or a Storage the embedder opened on one. */
function checkClusterStorage(storage: CoreOptions['storage']): void {
  if (typeof storage === 'object') return;
  if (storage !== undefined && isMysqlUrl(storage)) return;
  throw new Error(
    'cluster mode needs MySQL: every node must share one mysql:// database (a SQLite file or in-memory storage belongs to one process)',
  );
}

async function openStorage(options: CoreOptions, metrics: ChatMetrics): Promise<Storage> {
  const option = options.storage;
  if (option === 'in-memory') return new InMemoryStorage();
  if (typeof option === 'object') return option;
  return TypeOrmStorage.open({
    observer: metrics,
    database: option ?? DEFAULT_CONFIG.database,
    synchronous: options.sqliteSynchronous ?? DEFAULT_CONFIG.sqliteSynchronous,
    writeThread: options.sqliteWriteThread,
    poolSize: options.dbPoolSize ?? DEFAULT_CONFIG.dbPoolSize,
    connectTimeoutMs: options.dbConnectTimeoutMs ?? DEFAULT_CONFIG.dbConnectTimeoutMs,
    queryTimeoutMs: options.dbQueryTimeoutMs ?? DEFAULT_CONFIG.dbQueryTimeoutMs,
    batchConnections: options.dbBatchConnections ?? DEFAULT_CONFIG.dbBatchConnections,
  });
}

/** Builds the core: opens storage (applying migrations), clears sessions a crash left behind. */
export async function createCore(options: CoreOptions = {}): Promise<ChatCore> {
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? new PinoLogger({ level: DEFAULT_CONFIG.logLevel });
  const nodeId = options.nodeId ?? DEFAULT_CONFIG.nodeId;
  if (options.cluster) checkClusterStorage(options.storage);
  const local = new LocalConnectionRegistry();
  let cluster: RedisCluster | null = null;
  const metrics = new ChatMetrics({
    usersOnline: () => local.userCount,
    ...(options.cluster ? { redisConnected: () => cluster?.connected === true } : {}),
  });
  const storage = await openStorage(options, metrics);

  // The cluster calls back into use-cases that need the cluster themselves: bound once built.
  let late: ChatUseCases | null = null;
  const useCasesNow = (): ChatUseCases => {
    if (late === null) throw new Error('the core is not built yet');
    return late;
  };
  if (options.cluster) {
    try {
      cluster = await RedisCluster.join(
        local,
        {
          url: options.cluster.redisUrl,
          prefix: options.cluster.prefix ?? DEFAULT_CONFIG.redisPrefix,
          nodeId,
          nodeTtlMs: options.cluster.nodeTtlMs ?? DEFAULT_CONFIG.nodeTtlMs,
          logger,
          observer: metrics,
        },
        {
          delivered: (event, recipients, reached) => useCasesNow().recordDelivery.execute(event, recipients, reached),
          nodeLost: async (lostNodeId) => {
            const sessions = await useCasesNow().clearStaleSessions.execute(lostNodeId);
            logger.info('cleared the sessions of a lost node', { nodeId: lostNodeId, sessions });
          },
          usersBack: (userIds) => useCasesNow().announcePresence.execute(userIds, 'online'),
        },
      );
    } catch (error) {
      await storage.close();
      throw error;
    }
    logger.info('joined the cluster', { nodeId });
  }

  const container = new Container();
  container.load(
    storageModule(storage),
    systemModule({
      clock,
      logger,
      hasher: new ScryptPasswordHasher({
        cost: options.passwordCost ?? DEFAULT_SCRYPT_COST,
        maxConcurrent: options.hashConcurrency ?? DEFAULT_CONFIG.hashConcurrency,
      }),
      throttle: loginThrottle(cluster, {
        maxFailures: options.loginMaxFailures ?? DEFAULT_CONFIG.loginMaxFailures,
        windowMs: options.loginWindowMs ?? DEFAULT_CONFIG.loginWindowMs,
        clock,
      }),
      nodeId,
      secrets: new RandomSecretTokens(),
      sessionTokenPolicy: {
        ttlMs: options.sessionTokenTtlMs ?? DEFAULT_SESSION_TOKEN_POLICY.ttlMs,
        maxPerUser: DEFAULT_SESSION_TOKEN_POLICY.maxPerUser,
      },
    }),
    cluster ? clusterDeliveryModule(local, cluster) : localDeliveryModule(local),
    useCaseModule,
  );
  const useCases = container.get<ChatUseCases>(TOKENS.UseCases);
  late = useCases;

  let cleared: number;
  try {
    cleared = await useCases.clearStaleSessions.execute();
  } catch (error) {
    // Do not leave a connection pool (or a cluster membership) behind a core that never started.
    await cluster?.close();
    await storage.close();
    throw error;
  }
  if (cleared > 0) logger.info('cleared sessions left by an earlier run', { sessions: cleared });

  // Every few seconds: finish session ends that failed halfway, then close banned users' connections.
  const banCheckMs = options.banCheckMs ?? DEFAULT_CONFIG.banCheckMs;
  let checking = false;
  // While the database is away every check fails: say so once, and once more when it works again.
  let failing = false;
  const banTimer =
    banCheckMs > 0
      ? setInterval(() => {
          if (checking) return;
          checking = true;
          useCases.endSession
            .finishUnfinished()
            .then((left) => left > 0 && logger.warn('session ends still unfinished', { sessions: left }))
            .then(() => useCases.enforceBans.execute())
            .then((closed) => {
              if (failing) logger.info('ban check works again');
              failing = false;
              if (closed > 0) logger.info('closed connections of banned users', { users: closed });
            })
            .catch((error: unknown) => {
              if (!failing) logger.error('ban check failed', { error: describeError(error) });
              failing = true;
            })
            .finally(() => (checking = false));
        }, banCheckMs)
      : null;
  banTimer?.unref();

  const joined = cluster;
  const readiness = new ReadinessCheck(
    {
      database: () => storage.ping(),
      ...(joined ? { redis: () => joined.connected } : {}),
    },
    options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS,
  );

  return {
    useCases,
    connections: local,
    storage,
    logger,
    metrics,
    ready: () => readiness.check(),
    ...(joined
      ? { loginFailureCounter: (limits: AddressFailureLimits) => joined.failureCounterForAddresses(limits, clock) }
      : {}),
    async close() {
      if (banTimer) clearInterval(banTimer);
      await cluster?.close();
      await storage.close();
    },
  };
}
