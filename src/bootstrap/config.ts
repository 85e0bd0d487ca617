import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createSecureContext } from 'node:tls';
import { parseLogLevel, type LogLevel } from '../adapters/system/pino-logger';
import { DEFAULT_SCRYPT_COST, defaultHashConcurrency, type ScryptCost } from '../adapters/crypto/scrypt-password-hasher';
import { TCP_HARDENING_DEFAULTS } from '../adapters/tcp/tcp-chat-server';
import { MYSQL_POOL_DEFAULTS } from '../adapters/persistence/typeorm/data-source';
import { DatabaseUrlError, isMysqlUrl, parseMysqlUrl, urlScheme } from '../adapters/persistence/typeorm/database-url';
import { isRedisUrl } from '../adapters/cluster/redis-url';
import { normalizeOrigin, type OriginPolicy } from '../adapters/websocket/websocket-transport';
import { DEFAULT_SESSION_TOKEN_POLICY } from '../application';

/** Everything the server reads from its environment, with the defaults of the README. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** A SQLite file path, `:memory:`, or `mysql://user:password@host:port/database`. */
  readonly database: string;
  readonly idleTimeoutMs: number;
  readonly maxPayload: number;
  /** At least 1024, at most maxPayload. */
  readonly maxPayloadBeforeLogin: number;
  readonly loginTimeoutMs: number;
  readonly maxOutputBytes: number;
  readonly rateBurst: number;
  readonly ratePerSecond: number;
  readonly maxConnections: number;
  readonly logLevel: LogLevel;
  readonly passwordCost: ScryptCost;
  /** Password hashes computed at once; each keeps a core busy while it runs. */
  readonly hashConcurrency: number;
  readonly loginMaxFailures: number;
  readonly loginWindowMs: number;
  /** Failed logins per remote address within loginWindowMs before LOGIN answers 429 for it. */
  readonly loginMaxFailuresPerAddress: number;
  readonly banCheckMs: number;
  readonly nodeId: string;
  readonly sqliteSynchronous: 'FULL' | 'NORMAL';
  /** SQLite file only: the hot writes on a thread of their own (see TypeOrmStorage), or all on one connection. */
  readonly sqliteWriteThread: boolean;
  /** MySQL only: the connection pool's size, and how long connecting and a statement may take (0: no limit). */
  readonly dbPoolSize: number;
  readonly dbConnectTimeoutMs: number;
  readonly dbQueryTimeoutMs: number;
  /** MySQL only: lanes of group-commit batches for the hot writes, each on a connection of its own (see MysqlPoolOptions). */
  readonly dbBatchConnections: number;
  /** PEM files; both set means the server speaks TLS, neither means plain TCP. */
  readonly tlsCertFile: string | null;
  readonly tlsKeyFile: string | null;
  /** Cluster mode: the Redis the nodes share (null: one node, no Redis). */
  readonly redisUrl: string | null;
  /** Put before every Redis key and channel. */
  readonly redisPrefix: string;
  /** How long a node's heartbeat lives in Redis before other nodes count it dead. */
  readonly nodeTtlMs: number;
  /** Worker processes sharing the port on this machine, each a node of the cluster. */
  readonly workers: number;
  /** How long a session token (PROTOCOL §8) stays valid. */
  readonly sessionTokenTtlMs: number;
  /** Messages pushed to an acknowledging connection and not yet acknowledged, at most. */
  readonly ackWindow: number;
  /** How long a shutdown lets connections end in order before cutting the rest. */
  readonly shutdownDeadlineMs: number;
  /** Completed connections the kernel queues for accepting; the kernel caps it at net.core.somaxconn. */
  readonly listenBacklog: number;
  /** The HTTP listener (WebSocket at /ws, web client, /metrics, /healthz, /readyz); null: none. */
  readonly httpPort: number | null;
  /** Which pages may open a WebSocket. */
  readonly wsOrigins: OriginPolicy;
}

export const DEFAULT_CONFIG: ServerConfig = {
  host: '0.0.0.0',
  port: 9000,
  database: './data/chat.sqlite',
  idleTimeoutMs: 300_000,
  maxPayload: 65_536,
  maxPayloadBeforeLogin: TCP_HARDENING_DEFAULTS.maxPayloadBeforeLogin,
  loginTimeoutMs: TCP_HARDENING_DEFAULTS.loginTimeoutMs,
  maxOutputBytes: 4 * 1024 * 1024,
  rateBurst: TCP_HARDENING_DEFAULTS.rateBurst,
  ratePerSecond: TCP_HARDENING_DEFAULTS.ratePerSecond,
  maxConnections: TCP_HARDENING_DEFAULTS.maxConnections,
  logLevel: 'info',
  passwordCost: DEFAULT_SCRYPT_COST,
  hashConcurrency: defaultHashConcurrency(),
  loginMaxFailures: 10,
  loginWindowMs: 15 * 60_000,
  loginMaxFailuresPerAddress: TCP_HARDENING_DEFAULTS.loginMaxFailuresPerAddress,
  banCheckMs: 2_000,
  nodeId: 'main',
  sqliteSynchronous: 'FULL',
  sqliteWriteThread: true,
  dbPoolSize: MYSQL_POOL_DEFAULTS.poolSize,
  dbConnectTimeoutMs: MYSQL_POOL_DEFAULTS.connectTimeoutMs,
  dbQueryTimeoutMs: MYSQL_POOL_DEFAULTS.queryTimeoutMs,
  dbBatchConnections: MYSQL_POOL_DEFAULTS.batchConnections,
  tlsCertFile: null,
  tlsKeyFile: null,
  redisUrl: null,
  redisPrefix: 'chat:',
  nodeTtlMs: 6_000,
  workers: 1,
  sessionTokenTtlMs: DEFAULT_SESSION_TOKEN_POLICY.ttlMs,
  ackWindow: TCP_HARDENING_DEFAULTS.ackWindow,
  shutdownDeadlineMs: TCP_HARDENING_DEFAULTS.shutdownDeadlineMs,
  listenBacklog: TCP_HARDENING_DEFAULTS.listenBacklog,
  httpPort: 8080,
  wsOrigins: 'same-origin',
};

/** What a node id may be made of: it names the node in Redis keys and in stored sessions. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** The host name made fit for a node id. */
function hostNodeId(): string {
  return (hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 60) || 'node');
}

/** A configuration problem worth a clear message rather than a stack. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

function text(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? fallback : raw;
}

/**
 * A SQLite path as it is, or a mysql:// URL that can be used; any other URL is
 * refused. The message never repeats the value: a URL may hold a password.
 */
function checkedDatabase(database: string): string {
  const scheme = urlScheme(database);
  if (scheme === null) return database;
  if (scheme !== 'mysql') {
    throw new ConfigError(
      `CHAT_DB: a SQLite file path, :memory: or mysql://user:password@host:port/database is supported (got a ${scheme}:// URL)`,
    );
  }
  try {
    parseMysqlUrl(database);
  } catch (error) {
    if (error instanceof DatabaseUrlError) throw new ConfigError(`CHAT_DB: ${error.message}`);
    throw error;
  }
  return database;
}

/** CHAT_HTTP_PORT: a port, or `off` for no HTTP listener. */
function httpPort(env: Env): number | null {
  if (text(env, 'CHAT_HTTP_PORT', '').toLowerCase() === 'off') return null;
  return integer(env, 'CHAT_HTTP_PORT', DEFAULT_CONFIG.httpPort ?? 8080, 0, 65_535);
}

/** CHAT_WS_ORIGINS: unset for the page's own origin, `*` for any, or origins separated by commas. */
function wsOrigins(env: Env): OriginPolicy {
  const raw = text(env, 'CHAT_WS_ORIGINS', '');
  if (raw === '') return DEFAULT_CONFIG.wsOrigins;
  if (raw === '*') return 'any';
  return raw.split(',').map((entry) => {
    const origin = entry.trim();
    const normal = normalizeOrigin(origin);
    if (normal === null || !/^https?:\/\/[^/]+$/i.test(origin.replace(/\/$/, ''))) {
      throw new ConfigError(`CHAT_WS_ORIGINS: "${origin}" is not an origin such as https://chat.example.com (or use *)`);
    }
    return normal;
  });
}

/** Reads `CHAT_*` variables; throws ConfigError naming the variable that is wrong. */
export function loadConfig(env: Env = process.env): ServerConfig {
  const database = checkedDatabase(text(env, 'CHAT_DB', DEFAULT_CONFIG.database));
  const synchronous = text(env, 'CHAT_SQLITE_SYNCHRONOUS', DEFAULT_CONFIG.sqliteSynchronous).toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    throw new ConfigError(`CHAT_SQLITE_SYNCHRONOUS must be FULL or NORMAL (got "${synchronous}")`);
  }
  const writeThread = text(env, 'CHAT_SQLITE_WRITE_THREAD', 'on').toLowerCase();
  if (writeThread !== 'on' && writeThread !== 'off') {
    throw new ConfigError(`CHAT_SQLITE_WRITE_THREAD must be on or off (got "${writeThread}")`);
  }
  let logLevel: LogLevel;
  try {
    logLevel = parseLogLevel(env.CHAT_LOG_LEVEL);
  } catch (error) {
    throw new ConfigError(`CHAT_LOG_LEVEL: ${(error as Error).message}`);
  }
  const scryptN = integer(env, 'CHAT_SCRYPT_N', DEFAULT_CONFIG.passwordCost.N, 2, 2 ** 20);
  if ((scryptN & (scryptN - 1)) !== 0) throw new ConfigError(`CHAT_SCRYPT_N must be a power of two (got ${scryptN})`);
  const maxPayload = integer(env, 'CHAT_MAX_PAYLOAD', DEFAULT_CONFIG.maxPayload, 1024, 16 * 1024 * 1024);
  // Unset, it follows a CHAT_MAX_PAYLOAD set below its default; set, it must fit under it.
  const maxPayloadBeforeLogin = integer(
    env,
    'CHAT_MAX_PAYLOAD_BEFORE_LOGIN',
    Math.min(DEFAULT_CONFIG.maxPayloadBeforeLogin, maxPayload),
    1024,
    maxPayload,
  );
  const tlsCertFile = text(env, 'CHAT_TLS_CERT', '') || null;
  const tlsKeyFile = text(env, 'CHAT_TLS_KEY', '') || null;
  if ((tlsCertFile === null) !== (tlsKeyFile === null)) {
    const only = tlsCertFile ? 'CHAT_TLS_CERT' : 'CHAT_TLS_KEY';
    throw new ConfigError(`CHAT_TLS_CERT and CHAT_TLS_KEY must be set together (only ${only} is)`);
  }
  const redisUrl = text(env, 'CHAT_REDIS_URL', '') || null;
  if (redisUrl !== null && !isRedisUrl(redisUrl)) {
    throw new ConfigError('CHAT_REDIS_URL must be a redis://host:port (or rediss://) URL');
  }
  const workers = integer(env, 'CHAT_WORKERS', DEFAULT_CONFIG.workers, 1, 256);
  if (workers > 1 && redisUrl === null) {
    throw new ConfigError('CHAT_WORKERS needs cluster mode: set CHAT_REDIS_URL (and a mysql:// CHAT_DB the workers share)');
  }
  if (redisUrl !== null && !isMysqlUrl(database)) {
    throw new ConfigError(
      'cluster mode needs MySQL: with CHAT_REDIS_URL set, CHAT_DB must be a mysql:// URL every node shares (a SQLite file belongs to one process)',
    );
  }
  // One node is "main"; in a cluster each node needs its own id, the host name unless told.
  const nodeId = text(env, 'CHAT_NODE_ID', redisUrl === null ? DEFAULT_CONFIG.nodeId : hostNodeId());
  if (!NODE_ID_PATTERN.test(nodeId)) {
    throw new ConfigError(`CHAT_NODE_ID may hold only letters, digits, ".", "_" and "-", 64 at most (got "${nodeId}")`);
  }
  const redisPrefix = text(env, 'CHAT_REDIS_PREFIX', DEFAULT_CONFIG.redisPrefix);
  if (!/^[A-Za-z0-9:._-]{1,64}$/.test(redisPrefix)) {
    throw new ConfigError(`CHAT_REDIS_PREFIX may hold only letters, digits, ":", ".", "_" and "-" (got "${redisPrefix}")`);
  }
  return {
    host: text(env, 'CHAT_HOST', DEFAULT_CONFIG.host),
    port: integer(env, 'CHAT_PORT', DEFAULT_CONFIG.port, 0, 65_535),
    database,
    idleTimeoutMs: integer(env, 'CHAT_IDLE_TIMEOUT_S', DEFAULT_CONFIG.idleTimeoutMs / 1000, 1, 86_400) * 1000,
    maxPayload,
    maxPayloadBeforeLogin,
    loginTimeoutMs: integer(env, 'CHAT_LOGIN_TIMEOUT_S', DEFAULT_CONFIG.loginTimeoutMs / 1000, 1, 86_400) * 1000,
    maxOutputBytes: integer(env, 'CHAT_MAX_OUTPUT_BYTES', DEFAULT_CONFIG.maxOutputBytes, 64 * 1024, 2 ** 31),
    rateBurst: integer(env, 'CHAT_RATE_BURST', DEFAULT_CONFIG.rateBurst, 1, 10_000_000),
    ratePerSecond: integer(env, 'CHAT_RATE_PER_S', DEFAULT_CONFIG.ratePerSecond, 1, 10_000_000),
    maxConnections: integer(env, 'CHAT_MAX_CONNECTIONS', DEFAULT_CONFIG.maxConnections, 1, 1_000_000),
    logLevel,
    passwordCost: {
      N: scryptN,
      r: integer(env, 'CHAT_SCRYPT_R', DEFAULT_CONFIG.passwordCost.r, 1, 32),
      p: integer(env, 'CHAT_SCRYPT_P', DEFAULT_CONFIG.passwordCost.p, 1, 16),
    },
    hashConcurrency: integer(env, 'CHAT_HASH_CONCURRENCY', DEFAULT_CONFIG.hashConcurrency, 1, 1024),
    loginMaxFailures: integer(env, 'CHAT_LOGIN_MAX_FAILURES', DEFAULT_CONFIG.loginMaxFailures, 1, 1_000_000),
    loginWindowMs: integer(env, 'CHAT_LOGIN_WINDOW_S', DEFAULT_CONFIG.loginWindowMs / 1000, 1, 86_400) * 1000,
    loginMaxFailuresPerAddress: integer(
      env,
      'CHAT_LOGIN_MAX_FAILURES_PER_ADDRESS',
      DEFAULT_CONFIG.loginMaxFailuresPerAddress,
      1,
      1_000_000_000,
    ),
    // At most 4 s, so a ban always takes effect within the 5 s the protocol promises.
    banCheckMs: integer(env, 'CHAT_BAN_CHECK_MS', DEFAULT_CONFIG.banCheckMs, 100, 4_000),
    nodeId,
    sqliteSynchronous: synchronous,
    sqliteWriteThread: writeThread === 'on',
    dbPoolSize: integer(env, 'CHAT_DB_POOL_SIZE', DEFAULT_CONFIG.dbPoolSize, 1, 1000),
    dbConnectTimeoutMs: integer(env, 'CHAT_DB_CONNECT_TIMEOUT_MS', DEFAULT_CONFIG.dbConnectTimeoutMs, 100, 600_000),
    dbQueryTimeoutMs: integer(env, 'CHAT_DB_QUERY_TIMEOUT_MS', DEFAULT_CONFIG.dbQueryTimeoutMs, 0, 3_600_000),
    dbBatchConnections: integer(env, 'CHAT_DB_BATCH_CONNECTIONS', DEFAULT_CONFIG.dbBatchConnections, 1, 64),
    tlsCertFile,
    tlsKeyFile,
    redisUrl,
    redisPrefix,
    // At most 9 s (found dead within 12 s), so a dead node's users go offline for their friends within 15 s.
    nodeTtlMs: integer(env, 'CHAT_NODE_TTL_MS', DEFAULT_CONFIG.nodeTtlMs, 300, 9_000),
    workers,
    sessionTokenTtlMs:
      integer(env, 'CHAT_SESSION_TOKEN_TTL_S', DEFAULT_CONFIG.sessionTokenTtlMs / 1000, 60, 365 * 86_400) * 1000,
    ackWindow: integer(env, 'CHAT_ACK_WINDOW', DEFAULT_CONFIG.ackWindow, 1, 100_000),
    shutdownDeadlineMs: integer(env, 'CHAT_SHUTDOWN_TIMEOUT_S', DEFAULT_CONFIG.shutdownDeadlineMs / 1000, 1, 3600) * 1000,
    listenBacklog: integer(env, 'CHAT_LISTEN_BACKLOG', DEFAULT_CONFIG.listenBacklog, 1, 1_000_000),
    httpPort: httpPort(env),
    wsOrigins: wsOrigins(env),
  };
}

export interface TlsCredentials {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** An error's `code` (ENOENT, ERR_OSSL_...), checked structurally: errors may come from another realm. */
function codeOf(error: unknown, fallback: string): string {
  if (typeof error !== 'object' || error === null || !('code' in error)) return fallback;
  return typeof error.code === 'string' ? error.code : fallback;
}

function readPem(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`${name}: cannot read ${path} (${codeOf(error, 'unreadable')})`);
  }
}

/**
 * The certificate and key named by CHAT_TLS_CERT and CHAT_TLS_KEY, checked to form a
 * usable pair; undefined for plain TCP. Throws ConfigError naming the variable.
 */
export function readTlsCredentials(
  config: Pick<ServerConfig, 'tlsCertFile' | 'tlsKeyFile'>,
): TlsCredentials | undefined {
  if (config.tlsCertFile === null || config.tlsKeyFile === null) return undefined;
  const credentials = {
    cert: readPem('CHAT_TLS_CERT', config.tlsCertFile),
    key: readPem('CHAT_TLS_KEY', config.tlsKeyFile),
  };
  try {
    createSecureContext(credentials);
  } catch (error) {
    // OpenSSL's reason (e.g. a key that does not match the certificate), never the key itself.
    const reason = codeOf(error, 'invalid');
    throw new ConfigError(`CHAT_TLS_CERT / CHAT_TLS_KEY: not a usable certificate and key pair (${reason})`);
  }
  return credentials;
}
