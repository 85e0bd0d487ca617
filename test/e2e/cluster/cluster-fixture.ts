import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { killServerProcesses, ROOT, SERVER_MAIN, startServerProcess, type LogLine, type ServerProcess } from '../../support/server-process';
import { TestClient } from '../../support/test-client';
import { freshWorkerDatabase } from '../../support/mysql';
import { uniqueRedisPrefix } from '../../support/redis';
import type { TestUser } from '../../support/e2e-server';

/**
 * Cluster mode as an operator runs it: several built server processes (`dist/`,
 * `npm test` builds it) with the same CHAT_DB (MySQL/MariaDB), CHAT_REDIS_URL and
 * CHAT_REDIS_PREFIX, each with its own CHAT_NODE_ID and port.
 */
export const ADMIN_CLI = join(ROOT, 'dist', 'src', 'bootstrap', 'admin-cli.js');
export const PASSWORD = 'password123';

export interface ClusterSettings {
  readonly database: string;
  readonly redisUrl: string;
  readonly prefix: string;
}

export function requireBuild(): void {
  if (!existsSync(SERVER_MAIN) || !existsSync(ADMIN_CLI)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
}

/** One node, started and joined: resolves after it logs both `chat server listening` and `joined the cluster`. */
export async function startNode(settings: ClusterSettings, nodeId: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const node = await startServerProcess({
    CHAT_DB: settings.database,
    CHAT_REDIS_URL: settings.redisUrl,
    CHAT_REDIS_PREFIX: settings.prefix,
    CHAT_NODE_ID: nodeId,
    CHAT_BAN_CHECK_MS: '250',
    ...env,
  });
  const joined = await node.waitForLog((line) => line.msg === 'joined the cluster', 20_000);
  expect(joined['nodeId']).toBe(nodeId);
  return node;
}

/**
 * Nodes `node-a` and `node-b` on the database (a fresh one of this Jest worker
 * unless given), under a Redis prefix of their own.
 */
export async function startTwoNodes(redisUrl: string, database?: string): Promise<[ServerProcess, ServerProcess]> {
  const settings = { database: database ?? (await freshWorkerDatabase()), redisUrl, prefix: uniqueRedisPrefix() };
  return Promise.all([startNode(settings, 'node-a'), startNode(settings, 'node-b')]);
}

/** The node's log lines with this `msg`. */
export function logsOf(node: ServerProcess, msg: string): LogLine[] {
  return node.logs().filter((line) => line.msg === msg);
}

/** Resolves once the node has logged `count` lines with this `msg` (past ones count). */
export async function waitForLogCount(node: ServerProcess, msg: string, count: number, timeoutMs = 15_000): Promise<LogLine[]> {
  await node.waitForLog((line) => line.msg === msg && logsOf(node, msg).length >= count, timeoutMs);
  return logsOf(node, msg);
}

/**
 * Clients of one test, closed after it, and the users it makes: registered and
 * logged in on a node's port.
 */
export class Users {
  private readonly clients: TestClient[] = [];

  async connect(port: number): Promise<TestClient> {
    const client = await TestClient.connect(port);
    this.clients.push(client);
    return client;
  }

  /** Registers the name (on this node) and logs in. */
  async register(port: number, name: string): Promise<TestUser> {
    const client = await this.connect(port);
    const registered = await client.call(1000, [name, PASSWORD]);
    if (registered[0] !== '200') throw new Error(`register ${name}: ${registered.join('|')}`);
    return this.loginOn(client, name);
  }

  /** A new connection to this node, logged in as an existing user. */
  async login(port: number, name: string): Promise<TestUser> {
    return this.loginOn(await this.connect(port), name);
  }

  private async loginOn(client: TestClient, name: string): Promise<TestUser> {
    const login = await client.call(1001, [name, PASSWORD]);
    if (login[0] !== '200') throw new Error(`login ${name}: ${login.join('|')}`);
    return { client, id: Number(login[1]), name };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((client) => client.destroy()));
  }
}

/** Rejects with `what` when the promise has not settled within `ms`. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A friend's status as GET_FRIEND_LIST (1009) shows it to `viewer`. */
export async function statusSeenBy(viewer: TestUser, friend: TestUser): Promise<string | undefined> {
  const list = await viewer.client.call(1009);
  for (let i = 1; i + 2 < list.length; i += 3) if (list[i] === String(friend.id)) return list[i + 2];
  return undefined;
}

/** The 2006 pushes about `user` that `viewer` has received and not taken yet. */
export function pendingPresence(viewer: TestUser, user: TestUser): string[] {
  return viewer.client.pendingPushes(2006).filter((fields) => fields[0] === String(user.id)).map((fields) => fields[2]!);
}

/** Awaits `viewer`'s 2006 that `user` went online or offline. */
export function presence(viewer: TestUser, user: TestUser, status: 'online' | 'offline'): Promise<string[]> {
  return viewer.client.nextPush(2006, (fields) => fields[0] === String(user.id) && fields[2] === status);
}

/** Awaits `receiver`'s 2001 with this content. */
export function directMessage(receiver: TestUser, content: string): Promise<string[]> {
  return receiver.client.nextPush(2001, (fields) => fields[2] === content);
}

/** SIGTERM, then SIGKILL if it has not exited within `ms`; resolves with how it exited. */
export async function stopGracefully(node: ServerProcess, ms = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (node.alive) node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), ms);
  try {
    return await node.exited;
  } finally {
    clearTimeout(timer);
  }
}

export { killServerProcesses };
