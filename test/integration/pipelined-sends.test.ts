import { TEST_SCRYPT_COST } from '../../src/adapters/crypto/scrypt-password-hasher';
import { encodeFrame } from '../../src/adapters/protocol/frame-encoder';
import { pushFrame } from '../../src/adapters/protocol/push-frames';
import { TcpChatServer } from '../../src/adapters/tcp/tcp-chat-server';
import { createCore, type ChatCore } from '../../src/bootstrap/create-core';
import { silentLogger } from '../support/e2e-server';
import { availableEngines, freshDatabase, type EngineDatabase, type TestEngine } from '../support/engines';
import { TestClient } from '../support/test-client';

/** Waits until `count` pushes of `type` have arrived at the client. */
async function pushesOf(client: TestClient, type: number, count: number): Promise<string[][]> {
  for (let waited = 0; waited < 10_000; waited += 10) {
    const pushes = client.pendingPushes(type);
    if (pushes.length >= count) return pushes;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`only ${client.pendingPushes(type).length} of ${count} pushes of ${type} arrived`);
}

interface TestUser {
  readonly client: TestClient;
  readonly id: number;
}

/** The TCP transport on a core of the engine, with message sends overlapping or not. */
class Harness {
  private readonly clients: TestClient[] = [];

  private constructor(
    private readonly core: ChatCore,
    private readonly server: TcpChatServer,
    private readonly port: number,
    private readonly database: EngineDatabase,
  ) {}

  static async start(engine: TestEngine, overlapMessageSends: boolean | 'direct'): Promise<Harness> {
    const database = await freshDatabase(engine);
    const core = await createCore({ storage: database.storage, passwordCost: TEST_SCRYPT_COST, logger: silentLogger });
    const server = new TcpChatServer(
      core.useCases,
      core.connections,
      { nodeId: 'test', maxPayload: 65536, idleTimeoutMs: 60_000, maxOutputBytes: 16 * 1024 * 1024, overlapMessageSends },
      silentLogger,
    );
    const address = await server.listen(0, '127.0.0.1');
    return new Harness(core, server, address.port, database);
  }

  async user(name: string): Promise<TestUser> {
    const client = await TestClient.connect(this.port);
    this.clients.push(client);
    expect((await client.call(1000, [name, 'password123']))[0]).toBe('200');
    const login = await client.call(1001, [name, 'password123']);
    expect(login[0]).toBe('200');
    return { client, id: Number(login[1]) };
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.destroy()));
    await this.server.close();
    await this.core.close();
    this.database.dispose();
  }
}

/**
 * A connection's message sends overlap (they share group commits): replies must
 * still come in request order, messages must be stored and pushed in that order,
 * and a request that changes the connection (LOGOUT) still waits for them.
 */
describe.each<[TestEngine, boolean | 'direct']>([
  ['sqlite', true],
  ['in-memory', true],
  ['sqlite', false],
  // MySQL with one group-commit batch at a time (the default) stores direct messages in call order.
  ...(availableEngines().includes('mysql') ? [['mysql', 'direct'] as [TestEngine, 'direct']] : []),
])('pipelined message sends on %s (overlapping: %s)', (engine, overlap) => {
  let t: Harness;

  beforeEach(async () => {
    t = await Harness.start(engine, overlap);
  });

  afterEach(async () => {
    await t.stop();
  });

  it('stores, pushes and answers pipelined direct messages in request order', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const count = 300;
    const frames = Array.from({ length: count }, (_, i) =>
      // Every 50th goes to nobody: its 404 must sit in its place among the 200s.
      encodeFrame(1003, i % 50 === 49 ? `999999|lost ${i}` : `${bob.id}|message ${i}`),
    );

    const replies = alice.client.expectReplies(count + 1);
    alice.client.write(Buffer.concat([...frames, encodeFrame(1002, '')]));
    const payloads = (await replies).map((frame) => frame.payload);

    const expected = Array.from({ length: count }, (_, i) => (i % 50 === 49 ? '404|User not found' : '200|Message sent'));
    expect(payloads).toEqual([...expected, '200|Logged out successfully']);
    const sent = Array.from({ length: count }, (_, i) => i).filter((i) => i % 50 !== 49);
    const pushed = await pushesOf(bob.client, 2001, sent.length);
    expect(pushed.map((fields) => fields[2])).toEqual(sent.map((i) => `message ${i}`));

    // Nothing left for the offline fetch: every push was marked delivered.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await bob.client.call(1014)).toEqual(['0']);
  });

  it('pushes pipelined group messages to every member in order', async () => {
    const admin = await t.user('admin');
    const members = [await t.user('member1'), await t.user('member2')];
    const created = await admin.client.call(1010, 'g');
    const groupId = created[1]!;
    for (const member of members) expect((await admin.client.call(1011, [groupId, member.id]))[0]).toBe('200');

    const replies = admin.client.expectReplies(50);
    admin.client.write(Buffer.concat(Array.from({ length: 50 }, (_, i) => encodeFrame(1004, `${groupId}|g${i}`))));
    expect((await replies).every((frame) => frame.payload === '200|Message sent')).toBe(true);

    for (const member of members) {
      const pushed = await pushesOf(member.client, 2002, 50);
      expect(pushed.map((fields) => fields[4])).toEqual(Array.from({ length: 50 }, (_, i) => `g${i}`));
    }
  });
});

describe('push frames', () => {
  it('encodes an event once, however many connections it goes to', () => {
    const event = {
      kind: 'group-message',
      messageId: 3,
      groupId: 7,
      groupName: 'g',
      senderId: 1,
      senderUsername: 'alice',
      content: 'hi|there',
      sentAt: 5,
    } as const;

    const first = pushFrame(event);
    expect(pushFrame(event)).toBe(first);
    expect(pushFrame({ ...event })).not.toBe(first);
    expect(pushFrame({ ...event })).toEqual(first);
    expect(first).toEqual(encodeFrame(2002, '7|g|1|alice|hi\\|there|5'));
  });
});
