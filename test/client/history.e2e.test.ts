import { ALL_MESSAGES } from '../../src/client/chat-client';
import type { HistoryMessage } from '../../src/client/results';
import { recordEvents } from './support/event-log';
import { startSdkHarness, type SdkHarness, type SdkUser } from './support/sdk-harness';

/** The SDK against the real server, PROTOCOL §9: history, read receipts and the inbox. */
describe('ChatClient against the real server: history, read receipts and the inbox', () => {
  let h: SdkHarness;
  beforeEach(async () => {
    h = await startSdkHarness();
  });
  afterEach(() => h.stop());

  async function send(from: SdkUser, to: SdkUser, ...contents: string[]): Promise<void> {
    for (const content of contents) await from.client.sendMessage(to.id, content);
  }

  /** A second connection of a user, logged in, its events recorded. */
  async function secondDevice(user: SdkUser): Promise<SdkUser> {
    const { client, events } = await h.connect();
    await client.login(user.name, user.password);
    return { ...user, client, events };
  }

  it('getHistory pages a direct conversation back, newest first, without repeats, until an empty page', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await send(alice, bob, 'a1', 'a2 | pipe', 'a3');
    await send(bob, alice, 'b1');
    await send(alice, bob, 'a4', 'a5 \\ backslash');

    const pages: HistoryMessage[][] = [];
    let page = await bob.client.getHistory('direct', alice.id, { limit: 4 });
    while (page.length > 0) {
      pages.push(page);
      page = await bob.client.getHistory('direct', alice.id, { beforeMessageId: page[page.length - 1]!.messageId, limit: 4 });
    }
    expect(pages.map((p) => p.length)).toEqual([4, 2]);
    const all = pages.flat();
    expect(all.map((m) => m.content)).toEqual(['a5 \\ backslash', 'a4', 'b1', 'a3', 'a2 | pipe', 'a1']);
    expect(all.map((m) => m.senderUsername)).toEqual(['alice', 'alice', 'bob', 'alice', 'alice', 'alice']);
    const ids = all.map((m) => m.messageId);
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    expect(new Set(ids).size).toBe(ids.length);
    // Nothing read yet; both sides see the same conversation.
    expect(all.every((m) => !m.read)).toBe(true);
    expect(await alice.client.getHistory('direct', bob.id)).toEqual(all);
    // The default page is the newest 50.
    expect(await bob.client.getHistory('direct', alice.id)).toEqual(all);
    await expect(bob.client.getHistory('direct', 999_999)).rejects.toMatchObject({ status: 404, text: 'User not found' });
  });

  it('getHistory of a group shows a member only what was sent since they joined; 404 to outsiders', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const { groupId } = await alice.client.createGroup('Team | One');
    await alice.client.addToGroup(groupId, bob.id);
    await alice.client.sendGroupMessage(groupId, 'before carol');
    await bob.client.sendGroupMessage(groupId, 'from bob');
    await expect(carol.client.getHistory('group', groupId)).rejects.toMatchObject({ status: 404, text: 'Group not found' });
    await alice.client.addToGroup(groupId, carol.id);
    await alice.client.sendGroupMessage(groupId, 'after carol');

    const forBob = await bob.client.getHistory('group', groupId);
    expect(forBob.map((m) => [m.senderUsername, m.content, m.read])).toEqual([
      ['alice', 'after carol', false],
      ['bob', 'from bob', true], // your own group messages count as read
      ['alice', 'before carol', false],
    ]);
    expect((await carol.client.getHistory('group', groupId)).map((m) => m.content)).toEqual(['after carol']);
  });

  it('markRead sends a read event to every connection of the sender, and history shows the messages read', async () => {
    const alice = await h.user('alice');
    const aliceOther = await secondDevice(alice);
    const bob = await h.user('bob');
    await send(alice, bob, 'one', 'two', 'three');
    const [three, two] = await bob.client.getHistory('direct', alice.id);

    expect(await bob.client.markRead('direct', alice.id, two!.messageId)).toBe(2);
    const expected = { readerId: bob.id, readerUsername: 'bob', upToMessageId: two!.messageId, timestamp: expect.any(Number) };
    expect(await alice.events.read.next()).toEqual(expected);
    expect(await aliceOther.events.read.next()).toEqual(expected);
    expect((await alice.client.getHistory('direct', bob.id)).map((m) => [m.content, m.read])).toEqual([
      ['three', false],
      ['two', true],
      ['one', true],
    ]);

    // Marking again changes nothing (and pushes nothing: the next receipt is for three).
    expect(await bob.client.markRead('direct', alice.id, two!.messageId)).toBe(0);
    expect(await bob.client.markRead('direct', alice.id)).toBe(1);
    expect(await alice.events.read.next()).toMatchObject({ readerId: bob.id, upToMessageId: three!.messageId });
    expect(await aliceOther.events.read.next()).toMatchObject({ upToMessageId: three!.messageId });
    // Your own messages are not yours to mark.
    expect(await alice.client.markRead('direct', bob.id, ALL_MESSAGES)).toBe(0);
    expect(bob.events.read.pending).toEqual([]);
    await expect(bob.client.markRead('group', 999_999)).rejects.toMatchObject({ status: 404, text: 'Group not found' });
  });

  it('getConversations lists direct peers and groups newest first; unread counts go down as messages are marked read', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const { groupId } = await carol.client.createGroup('Book club');
    await carol.client.addToGroup(groupId, bob.id);
    await send(alice, bob, 'a1', 'a2', 'a3');
    await carol.client.sendGroupMessage(groupId, 'g1');
    await carol.client.sendGroupMessage(groupId, 'g2');
    await send(carol, bob, 'c1');

    const inbox = await bob.client.getConversations();
    expect(inbox.map((c) => [c.kind, c.peerId, c.name, c.unreadCount])).toEqual([
      ['direct', carol.id, 'carol', 1],
      ['group', groupId, 'Book club', 2],
      ['direct', alice.id, 'alice', 3],
    ]);
    const [newestFromAlice] = await bob.client.getHistory('direct', alice.id, { limit: 1 });
    expect(inbox[2]).toEqual({
      kind: 'direct',
      peerId: alice.id,
      name: 'alice',
      lastMessageId: newestFromAlice!.messageId,
      lastTimestamp: newestFromAlice!.timestamp,
      unreadCount: 3,
    });

    const [, a2] = await bob.client.getHistory('direct', alice.id);
    await bob.client.markRead('direct', alice.id, a2!.messageId);
    await bob.client.markRead('group', groupId);
    expect((await bob.client.getConversations()).map((c) => [c.name, c.unreadCount])).toEqual([
      ['carol', 1],
      ['Book club', 0],
      ['alice', 1],
    ]);
    await bob.client.markRead('direct', alice.id);
    await bob.client.markRead('direct', carol.id);
    expect((await bob.client.getConversations()).map((c) => c.unreadCount)).toEqual([0, 0, 0]);

    // The next page starts after the last row given.
    expect(await bob.client.getConversations({ beforeLastMessageId: inbox[0]!.lastMessageId })).toEqual(
      inbox.slice(1).map((c) => ({ ...c, unreadCount: 0 })),
    );
    expect(await bob.client.getConversations({ beforeLastMessageId: inbox[2]!.lastMessageId })).toEqual([]);
    // The senders see the conversations too, with nothing unread.
    expect((await alice.client.getConversations()).map((c) => [c.name, c.unreadCount])).toEqual([['bob', 0]]);
  });

  it('a message marked read no longer comes back as an offline message', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await bob.client.logout();
    await send(alice, bob, 'read elsewhere', 'not read');
    // bob reads the first on a connection that never fetched it (say, on the web).
    const { client } = await h.connect();
    recordEvents(client);
    await client.login('bob', bob.password);
    const [, first] = await client.getHistory('direct', alice.id);
    expect(await client.markRead('direct', alice.id, first!.messageId)).toBe(1);
    expect((await client.getOfflineMessages()).map((m) => m.content)).toEqual(['not read']);
  });
});
