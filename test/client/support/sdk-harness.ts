import { ChatClient } from '../../../src/client/chat-client';
import { startTestServer, type TestServer } from '../../support/e2e-server';
import { recordEvents, type EventLog } from './event-log';

export interface SdkUser {
  readonly client: ChatClient;
  readonly events: EventLog;
  readonly id: number;
  readonly name: string;
  readonly password: string;
}

export interface SdkHarness {
  readonly server: TestServer;
  readonly port: number;
  /** A connected client with its events recorded (not logged in). */
  connect(): Promise<{ client: ChatClient; events: EventLog }>;
  /** Connects, registers and logs in through the SDK. */
  user(name: string, password?: string): Promise<SdkUser>;
  /** Makes two logged-in users friends through the SDK (request, the pushed id, accept). */
  befriend(a: SdkUser, b: SdkUser): Promise<void>;
  stop(): Promise<void>;
}

/** A real server (test/support/e2e-server) and SDK clients that are closed with it. */
export async function startSdkHarness(): Promise<SdkHarness> {
  const server = await startTestServer();
  const clients: ChatClient[] = [];
  const connect = async (): Promise<{ client: ChatClient; events: EventLog }> => {
    const client = await ChatClient.connect({ host: '127.0.0.1', port: server.port, requestTimeoutMs: 10_000 });
    clients.push(client);
    return { client, events: recordEvents(client) };
  };
  return {
    server,
    port: server.port,
    connect,
    async user(name, password = 'password123') {
      const { client, events } = await connect();
      const { userId } = await client.register(name, password);
      const login = await client.login(name, password);
      if (login.userId !== userId) throw new Error(`login ${name}: id ${login.userId}, registered as ${userId}`);
      return { client, events, id: userId, name, password };
    },
    async befriend(a, b) {
      await a.client.sendFriendRequest(b.name);
      const request = await b.events.friendRequest.next((r) => r.senderId === a.id);
      await b.client.acceptFriendRequest(request.requestId);
    },
    async stop() {
      for (const client of clients) client.destroy();
      await server.stop();
    },
  };
}
