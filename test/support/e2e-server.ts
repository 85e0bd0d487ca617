import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../src/application';
import { TEST_SCRYPT_COST } from '../../src/adapters/crypto/scrypt-password-hasher';
import { startServer, type RunningServer, type ServerOptions } from '../../src/bootstrap/start-server';
import { TestClient } from './test-client';

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface TestUser {
  readonly client: TestClient;
  readonly id: number;
  readonly name: string;
}

/** Makes two logged-in users friends through the protocol. */
export async function befriend(a: TestUser, b: TestUser): Promise<void> {
  const sent = await a.client.call(1005, b.name);
  if (sent[0] !== '200') throw new Error(`friend request: ${sent.join('|')}`);
  const [, , , requestId] = await b.client.nextPush(2003, (f) => f[0] === String(a.id));
  const accepted = await b.client.call(1006, requestId!);
  if (accepted[0] !== '200') throw new Error(`accept: ${accepted.join('|')}`);
}

export interface TestServer {
  readonly server: RunningServer;
  readonly port: number;
  connect(): Promise<TestClient>;
  /** Connects, registers and logs in; returns the client and the user id. */
  user(name: string, password?: string): Promise<TestUser>;
  stop(): Promise<void>;
}

/** A real server on a free loopback port over a fresh SQLite file, with a cheap password hash. */
export async function startTestServer(options: ServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-e2e-'));
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    storage: join(dir, 'chat.sqlite'),
    passwordCost: TEST_SCRYPT_COST,
    banCheckMs: 200,
    logger: silentLogger,
    ...options,
  });
  const clients: TestClient[] = [];
  const connect = async (): Promise<TestClient> => {
    const client = await TestClient.connect(server.port);
    clients.push(client);
    return client;
  };
  return {
    server,
    port: server.port,
    connect,
    async user(name, password = 'password123') {
      const client = await connect();
      const registered = await client.call(1000, [name, password]);
      if (registered[0] !== '200') throw new Error(`register ${name}: ${registered.join('|')}`);
      const login = await client.call(1001, [name, password]);
      if (login[0] !== '200') throw new Error(`login ${name}: ${login.join('|')}`);
      return { client, id: Number(login[1]), name };
    },
    async stop() {
      await Promise.all(clients.map((c) => c.destroy()));
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
