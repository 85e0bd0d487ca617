import { parseLogLevel, type LogLevel } from '../adapters/system/json-logger';
import { DEFAULT_SCRYPT_COST, type ScryptCost } from '../adapters/crypto/scrypt-password-hasher';

/** Everything the server reads from its environment, with the defaults of the README. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** A SQLite file path, or `:memory:`. */
  readonly database: string;
  readonly idleTimeoutMs: number;
  readonly maxPayload: number;
  readonly maxOutputBytes: number;
  readonly logLevel: LogLevel;
  readonly passwordCost: ScryptCost;
  readonly loginMaxFailures: number;
  readonly loginWindowMs: number;
  readonly banCheckMs: number;
  readonly nodeId: string;
  readonly sqliteSynchronous: 'FULL' | 'NORMAL';
}

export const DEFAULT_CONFIG: ServerConfig = {
  host: '0.0.0.0',
  port: 9000,
  database: './data/chat.sqlite',
  idleTimeoutMs: 300_000,
  maxPayload: 65_536,
  maxOutputBytes: 4 * 1024 * 1024,
  logLevel: 'info',
  passwordCost: DEFAULT_SCRYPT_COST,
  loginMaxFailures: 10,
  loginWindowMs: 15 * 60_000,
  banCheckMs: 2_000,
  nodeId: 'main',
  sqliteSynchronous: 'FULL',
};

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

/** Reads `CHAT_*` variables; throws ConfigError naming the variable that is wrong. */
export function loadConfig(env: Env = process.env): ServerConfig {
  const database = text(env, 'CHAT_DB', DEFAULT_CONFIG.database);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(database)) {
    throw new ConfigError(`CHAT_DB: only a SQLite file path or :memory: is supported by this build (got a URL)`);
  }
  const synchronous = text(env, 'CHAT_SQLITE_SYNCHRONOUS', DEFAULT_CONFIG.sqliteSynchronous).toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    throw new ConfigError(`CHAT_SQLITE_SYNCHRONOUS must be FULL or NORMAL (got "${synchronous}")`);
  }
  let logLevel: LogLevel;
  try {
    logLevel = parseLogLevel(env.CHAT_LOG_LEVEL);
  } catch (error) {
    throw new ConfigError(`CHAT_LOG_LEVEL: ${(error as Error).message}`);
  }
  const scryptN = integer(env, 'CHAT_SCRYPT_N', DEFAULT_CONFIG.passwordCost.N, 2, 2 ** 20);
  if ((scryptN & (scryptN - 1)) !== 0) throw new ConfigError(`CHAT_SCRYPT_N must be a power of two (got ${scryptN})`);
  return {
    host: text(env, 'CHAT_HOST', DEFAULT_CONFIG.host),
    port: integer(env, 'CHAT_PORT', DEFAULT_CONFIG.port, 0, 65_535),
    database,
    idleTimeoutMs: integer(env, 'CHAT_IDLE_TIMEOUT_S', DEFAULT_CONFIG.idleTimeoutMs / 1000, 1, 86_400) * 1000,
    maxPayload: integer(env, 'CHAT_MAX_PAYLOAD', DEFAULT_CONFIG.maxPayload, 1024, 16 * 1024 * 1024),
    maxOutputBytes: integer(env, 'CHAT_MAX_OUTPUT_BYTES', DEFAULT_CONFIG.maxOutputBytes, 64 * 1024, 2 ** 31),
    logLevel,
    passwordCost: {
      N: scryptN,
      r: integer(env, 'CHAT_SCRYPT_R', DEFAULT_CONFIG.passwordCost.r, 1, 32),
      p: integer(env, 'CHAT_SCRYPT_P', DEFAULT_CONFIG.passwordCost.p, 1, 16),
    },
    loginMaxFailures: integer(env, 'CHAT_LOGIN_MAX_FAILURES', DEFAULT_CONFIG.loginMaxFailures, 1, 1_000_000),
    loginWindowMs: integer(env, 'CHAT_LOGIN_WINDOW_S', DEFAULT_CONFIG.loginWindowMs / 1000, 1, 86_400) * 1000,
    // At most 4 s, so a ban always takes effect within the 5 s the protocol promises.
    banCheckMs: integer(env, 'CHAT_BAN_CHECK_MS', DEFAULT_CONFIG.banCheckMs, 100, 4_000),
    nodeId: text(env, 'CHAT_NODE_ID', DEFAULT_CONFIG.nodeId),
    sqliteSynchronous: synchronous,
  };
}
