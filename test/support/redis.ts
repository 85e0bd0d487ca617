import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isCi, MYSQL_URL_VARIABLE } from './mysql';
import { freeRestartablePort } from './ports';

/**
 * Redis for the cluster tests (several server processes sharing one chat through
 * Redis and MySQL/MariaDB):
 *
 * - `CHAT_TEST_REDIS_URL`: a `redis://host:port` the tests share. Each test keeps
 *   to keys and channels of its own through a unique prefix (`uniqueRedisPrefix()`),
 *   so tests running in parallel never see each other.
 * - `CHAT_TEST_REDIS_SERVER`: the `redis-server` binary (else the one on PATH) for
 *   the test that stops and restarts a Redis of its own (`startPrivateRedis()`).
 *
 * `.ci/run` starts a private Redis and sets both. Without the shared Redis or the
 * MySQL database the cluster tests are skipped, and the run says so once (see
 * test/support/global-setup.ts); under CI=true a missing one fails the run.
 */
export const REDIS_URL_VARIABLE = 'CHAT_TEST_REDIS_URL';
export const REDIS_SERVER_VARIABLE = 'CHAT_TEST_REDIS_SERVER';

/** The variables the cluster tests need that are not set. */
export function missingClusterVariables(): string[] {
  return [MYSQL_URL_VARIABLE, REDIS_URL_VARIABLE].filter((name) => !process.env[name]?.trim());
}

/** The shared test Redis URL, or null when cluster tests are to be skipped (never under CI). */
export function redisTestUrl(): string | null {
  const url = process.env[REDIS_URL_VARIABLE]?.trim();
  if (url) return url;
  if (isCi()) throw new Error(`${REDIS_URL_VARIABLE} is not set, and CI=true: the cluster tests must run in CI`);
  return null;
}

/**
 * `describe` when both a test database and a test Redis are configured,
 * `describe.skip` otherwise; under CI=true a missing one throws (the file fails).
 */
export function describeOnCluster(): jest.Describe {
  const missing = missingClusterVariables();
  if (missing.length === 0) return describe;
  if (isCi()) throw new Error(`CI=true but ${missing.join(' and ')} not set: the cluster tests must run in CI`);
  return describe.skip;
}

/** The shared Redis URL; only call it inside `describeOnCluster()` blocks. */
export function requireRedisUrl(): string {
  const url = redisTestUrl();
  if (url === null) throw new Error(`${REDIS_URL_VARIABLE} is not set`);
  return url;
}

/** A key and channel prefix no other test uses, such as `t3f9a0c12:`. */
export function uniqueRedisPrefix(): string {
  return `t${randomBytes(5).toString('hex')}:`;
}

/** The redis-server binary: CHAT_TEST_REDIS_SERVER, else the first on PATH; null when there is none. */
export function redisServerBinary(): string | null {
  const configured = process.env[REDIS_SERVER_VARIABLE]?.trim();
  if (configured) return configured;
  for (const directory of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** Whether something on host:port answers PING with PONG within `timeoutMs`. */
export function redisAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

/** Host and port of a redis:// URL. */
export function redisTarget(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: parsed.port ? Number(parsed.port) : 6379 };
}

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, SIGKILL after 5 s) and resolves once it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence), and resolves once it answers PING. */
  start(): Promise<void>;
  /** Whatever it printed, for failure messages. */
  output(): string;
}

/** Each private Redis started, with what stops it for good and removes its directory. */
const privateServers = new Map<PrivateRedis, () => Promise<void>>();

/**
 * A redis-server of the test's own on a free loopback port, without persistence,
 * in a temporary directory: a test may stop and restart it without disturbing the
 * others. Stop it in afterEach/afterAll (`stopPrivateRedises()` stops them all).
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const binary = redisServerBinary();
  if (binary === null) throw new Error(`no redis-server: set ${REDIS_SERVER_VARIABLE} or put redis-server on PATH`);
  const port = await freeRestartablePort();
  const directory = mkdtempSync(join(tmpdir(), 'chat-redis-'));
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const start = async (): Promise<void> => {
    if (child !== null) return;
    const spawned = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory, '--daemonize', 'no'],
      { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = spawned;
    exited = new Promise((resolve) =>
      spawned.on('exit', () => {
        if (child === spawned) child = null;
        resolve();
      }),
    );
    spawned.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    spawned.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    spawned.on('error', (error) => {
      output += `\nspawn failed: ${error.message}\n`;
      if (child === spawned) child = null;
    });
    const deadline = Date.now() + 15_000;
    while (!(await redisAnswers('127.0.0.1', port, 500))) {
      if (child !== spawned || Date.now() > deadline) {
        spawned.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const stop = async (): Promise<void> => {
    const running = child;
    if (running === null) return;
    const done = exited;
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  };

  const server: PrivateRedis = { url: `redis://127.0.0.1:${port}`, port, stop, start, output: () => output };
  privateServers.set(server, async () => {
    await stop();
    rmSync(directory, { recursive: true, force: true });
  });
  try {
    await start();
  } catch (error) {
    await disposeOf(server);
    throw error;
  }
  return server;
}

async function disposeOf(server: PrivateRedis): Promise<void> {
  const dispose = privateServers.get(server);
  privateServers.delete(server);
  await dispose?.();
}

/** Stops every private Redis started in this file and removes its directory (for afterEach/afterAll). */
export async function stopPrivateRedises(): Promise<void> {
  await Promise.all([...privateServers.keys()].map(disposeOf));
}

