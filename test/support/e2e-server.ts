import type { Logger } from '../../src/application';
import { TEST_SCRYPT_COST } from '../../src/adapters/crypto/scrypt-password-hasher';
import { startServer, type RunningServer, type ServerOptions } from '../../src/bootstrap/start-server';
import { freshDatabase, projectEngine, type TestEngine } from './engines';
import { TestClient } from './test-client';
import { forgetServer, projectTransport, reachOverWebSocket } from './transports';

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

export interface TestServerOptions extends ServerOptions {
  /**
   * The storage engine, when `storage` is not given: by default the engine of the
   * Jest project running the file (jest.config.js runs the protocol suite on
   * in-memory, SQLite and, when configured, MySQL/MariaDB).
   */
  readonly engine?: TestEngine;
}

/**
 * A real server on a free loopback port over a fresh, empty database of the
 * project's engine (a new SQLite file, in-memory storage, or this worker's MySQL
 * database emptied), with a cheap password hash. Under the project that runs the
 * suite over WebSocket it also listens for HTTP, and the clients the tests open by
 * its TCP port go over its WebSocket instead (see transports.ts).
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { engine, ...serverOptions } = options;
  // A `storage` given by the test wins: the test owns that database.
  const database = serverOptions.storage === undefined ? await freshDatabase(engine ?? projectEngine()) : null;
  const overWebSocket = projectTransport() === 'websocket';
  let server: RunningServer;
  try {
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      httpPort: overWebSocket ? 0 : null,
      ...(database ? { storage: database.storage } : {}),
      passwordCost: TEST_SCRYPT_COST,
      banCheckMs: 200,
      logger: silentLogger,
      ...serverOptions,
    });
  } catch (error) {
    database?.dispose();
    throw error;
  }
  if (overWebSocket && server.httpPort !== null) reachOverWebSocket(server.port, server.httpPort);
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
      forgetServer(server.port);
      database?.dispose();
    },
  };
}
