import Database from 'better-sqlite3';
import { TEST_SCRYPT_COST } from '../../src/adapters/crypto/scrypt-password-hasher';
import { encodeFrame } from '../../src/adapters/protocol/frame-encoder';
import { TcpChatServer } from '../../src/adapters/tcp/tcp-chat-server';
import { createCore, type ChatCore } from '../../src/bootstrap/create-core';
import { silentLogger } from '../support/e2e-server';
import { freshDatabase, type EngineDatabase } from '../support/engines';
import { TestClient } from '../support/test-client';

/**
 * Pipelined sends of every kind on a SQLite file, where the writes run in batches on
 * the write thread and the refusals are answered without it: each reply must still
 * come back in its request's place.
 */
describe('pipelined sends mixing kinds on SQLite with the write thread', () => {
  let database: EngineDatabase;
  let core: ChatCore;
  let server: TcpChatServer;
  let port: number;
  const clients: TestClient[] = [];

  beforeEach(async () => {
    database = await freshDatabase('sqlite');
    core = await createCore({ storage: database.storage, passwordCost: TEST_SCRYPT_COST, logger: silentLogger });
    server = new TcpChatServer(
      core.useCases,
      core.connections,
      { nodeId: 'test', maxPayload: 65536, idleTimeoutMs: 60_000, maxOutputBytes: 16 * 1024 * 1024, overlapMessageSends: true },
      silentLogger,
    );
    port = (await server.listen(0, '127.0.0.1')).port;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.destroy()));
    await server.close();
    await core.close();
    database.dispose();
  });

  async function user(name: string): Promise<{ client: TestClient; id: number }> {
    const client = await TestClient.connect(port);
    clients.push(client);
    expect((await client.call(1000, [name, 'password123']))[0]).toBe('200');
    const login = await client.call(1001, [name, 'password123']);
    expect(login[0]).toBe('200');
    return { client, id: Number(login[1]) };
  }

  it('answers direct and group sends, and the refused ones among them, in request order', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const own = (await alice.client.call(1010, 'ours'))[1]!;
    expect((await alice.client.call(1011, [own, bob.id]))[0]).toBe('200');
    // A group alice is not in.
    const other = (await bob.client.call(1010, 'theirs'))[1]!;
    // Someone who blocked alice: the refusal comes from the statement that would store the message.
    const carol = await user('carol');
    expect((await carol.client.call(1028, alice.id))[0]).toBe('200');

    const kinds = [
      { frame: (i: number) => encodeFrame(1003, `${bob.id}|d${i}`), reply: '200|Message sent' },
      { frame: (i: number) => encodeFrame(1004, `${own}|g${i}`), reply: '200|Message sent' },
      { frame: (i: number) => encodeFrame(1003, `999999|x${i}`), reply: '404|User not found' },
      { frame: (i: number) => encodeFrame(1004, `${other}|x${i}`), reply: '403|Not a member' },
      { frame: (i: number) => encodeFrame(1004, `999999|x${i}`), reply: '404|Group not found' },
      { frame: (i: number) => encodeFrame(1003, `${carol.id}|x${i}`), reply: '403|Cannot message this user' },
    ];
    const count = 200;
    // An irregular mix, so that batches hold every kind at every position.
    const picks = Array.from({ length: count }, (_, i) => kinds[(i * 7 + (i >> 3)) % kinds.length]!);

    const replies = alice.client.expectReplies(count);
    alice.client.write(Buffer.concat(picks.map((kind, i) => kind.frame(i))));
    expect((await replies).map((frame) => frame.payload)).toEqual(picks.map((kind) => kind.reply));

    // Every acknowledged message is committed, in request order, and nothing refused is.
    const db = new Database(database.storage, { readonly: true });
    try {
      const direct = db.prepare('SELECT content FROM messages ORDER BY id').pluck().all();
      const group = db.prepare('SELECT content FROM group_messages ORDER BY id').pluck().all();
      expect(direct).toEqual(picks.flatMap((kind, i) => (kind === kinds[0] ? [`d${i}`] : [])));
      expect(group).toEqual(picks.flatMap((kind, i) => (kind === kinds[1] ? [`g${i}`] : [])));
    } finally {
      db.close();
    }
  });
});
