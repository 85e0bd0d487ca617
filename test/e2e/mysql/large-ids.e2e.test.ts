import { befriend, startTestServer, type TestServer } from '../../support/e2e-server';
import { describeOnMysql, freshWorkerDatabase, rawMysql } from '../../support/mysql';

/** Past INT's 2^31 − 1: where the ids start, in every table whose ids reach the wire. */
const FIRST_ID = 2 ** 31 + 10;
const TABLES = ['accounts', 'friend_requests', 'groups', 'messages', 'group_messages'];

describeOnMysql()('ids above 2^31 on the wire, on MySQL/MariaDB', () => {
  let t: TestServer;
  beforeEach(async () => {
    const database = await freshWorkerDatabase('_large_ids');
    const connection = await rawMysql(database);
    try {
      for (const table of TABLES) await connection.query(`ALTER TABLE ${connection.escapeId(table)} AUTO_INCREMENT = ${FIRST_ID}`);
    } finally {
      await connection.end();
    }
    t = await startTestServer({ storage: database });
  });
  afterEach(() => t.stop());

  it('registers, befriends, sends, acknowledges and pages history with ids past 2^31 (message ids past 2^32)', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    expect(alice.id).toBeGreaterThanOrEqual(FIRST_ID);
    expect(bob.id).toBeGreaterThan(alice.id);
    await befriend(alice, bob);
    expect(await bob.client.call(1023)).toEqual(['200', 'Acks enabled']);

    expect(await alice.client.call(1003, [bob.id, 'past INT'])).toEqual(['200', 'Message sent']);
    const [messageId, senderId, , content] = await bob.client.nextPush(2013);
    // Direct message n travels as 2n: past 2^32 here, still exact in a JavaScript number.
    expect(Number(messageId)).toBeGreaterThanOrEqual(2 * FIRST_ID);
    expect(Number.isSafeInteger(Number(messageId))).toBe(true);
    expect([senderId, content]).toEqual([String(alice.id), 'past INT']);
    expect(await bob.client.call(1024, messageId!)).toEqual(['200', '1']);

    const [status, groupId] = await alice.client.call(1010, 'large');
    expect(status).toBe('201');
    expect(Number(groupId)).toBeGreaterThanOrEqual(FIRST_ID);
    expect((await alice.client.call(1011, [groupId!, bob.id]))[0]).toBe('200');
    expect(await alice.client.call(1004, [groupId!, 'to the group'])).toEqual(['200', 'Message sent']);
    const [groupMessageId, pushedGroup] = await bob.client.nextPush(2014);
    expect(pushedGroup).toBe(groupId);
    // Group message n travels as 2n + 1.
    expect(Number(groupMessageId) % 2).toBe(1);
    expect(Number(groupMessageId)).toBeGreaterThan(2 * FIRST_ID);
    expect(await bob.client.call(1024, groupMessageId!)).toEqual(['200', '1']);

    const history = await bob.client.call(1025, ['d', alice.id, 0, 10]);
    expect(history.slice(0, 5)).toEqual(['1', messageId, String(alice.id), 'alice', 'past INT']);
    expect(await bob.client.call(1026, ['d', alice.id, messageId!])).toEqual(['200', '1']);
    expect((await alice.client.nextPush(2016))[2]).toBe(messageId);
    // Nothing is left undelivered: both acknowledgements were stored against the large ids.
    expect(await bob.client.call(1014)).toEqual(['0']);
  });
});
