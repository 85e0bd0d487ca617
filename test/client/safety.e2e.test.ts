import { startSdkHarness, type SdkHarness } from './support/sdk-harness';

const CANNOT_MESSAGE = { name: 'ChatError', status: 403, text: 'Cannot message this user' };

/** The SDK against the real server, PROTOCOL §10: blocking, privacy and reports. */
describe('ChatClient against the real server: blocking, privacy and reports', () => {
  let h: SdkHarness;
  beforeEach(async () => {
    h = await startSdkHarness();
  });
  afterEach(() => h.stop());

  it('blockUser refuses messages and friend requests both ways, ends the friendship, and getBlocked lists it until unblockUser', async () => {
    const alice = await h.user('alice');
    const mallory = await h.user('mallory');
    const bob = await h.user('Bob');
    await h.befriend(alice, mallory);

    await alice.client.blockUser(mallory.id);
    await alice.client.blockUser(mallory.id); // again: nothing changes
    await alice.client.blockUser(bob.id);
    // By username ignoring case.
    expect(await alice.client.getBlocked()).toEqual([
      { userId: bob.id, username: 'Bob' },
      { userId: mallory.id, username: 'mallory' },
    ]);
    // Only your own blocks: mallory has blocked no one.
    expect(await mallory.client.getBlocked()).toEqual([]);
    expect(await alice.client.getFriendList()).toEqual([]);
    expect(await mallory.client.getFriendList()).toEqual([]);

    await expect(mallory.client.sendMessage(alice.id, 'hello?')).rejects.toMatchObject({ ...CANNOT_MESSAGE, command: 1003 });
    await expect(alice.client.sendMessage(mallory.id, 'go away')).rejects.toMatchObject(CANNOT_MESSAGE);
    await expect(mallory.client.sendFriendRequest('alice')).rejects.toMatchObject({ ...CANNOT_MESSAGE, command: 1005 });

    await alice.client.unblockUser(mallory.id);
    await expect(alice.client.unblockUser(mallory.id)).rejects.toMatchObject({ status: 404, text: 'Not blocked' });
    expect(await alice.client.getBlocked()).toEqual([{ userId: bob.id, username: 'Bob' }]);
    await mallory.client.sendMessage(alice.id, 'sorry');
    expect(await alice.events.message.next()).toMatchObject({ senderId: mallory.id, content: 'sorry' });
    // What the block ended stays ended.
    expect(await alice.client.getFriendList()).toEqual([]);
  });

  it('holds back what the blocked user sent while the blocker was away, and hands it out after unblocking', async () => {
    const alice = await h.user('alice');
    const mallory = await h.user('mallory');
    await alice.client.logout();
    await mallory.client.sendMessage(alice.id, 'sent before the block');
    await alice.client.login('alice', alice.password);
    await alice.client.blockUser(mallory.id);
    expect(await alice.client.getOfflineMessages()).toEqual([]);
    await alice.client.unblockUser(mallory.id);
    expect((await alice.client.getOfflineMessages()).map((m) => m.content)).toEqual(['sent before the block']);
  });

  it('refuses bad input: an unknown user, yourself', async () => {
    const alice = await h.user('alice');
    await expect(alice.client.blockUser(999_999)).rejects.toMatchObject({ status: 404, text: 'User not found' });
    await expect(alice.client.blockUser(alice.id)).rejects.toMatchObject({ status: 400, text: 'Cannot block yourself' });
    await expect(alice.client.unblockUser(999_999)).rejects.toMatchObject({ status: 404, text: 'Not blocked' });
    await expect(alice.client.unblockUser(alice.id)).rejects.toMatchObject({ status: 400, text: 'Cannot unblock yourself' });
    await expect(alice.client.reportUser(999_999, 'spam')).rejects.toMatchObject({ status: 404, text: 'User not found' });
    await expect(alice.client.reportUser(alice.id, 'spam')).rejects.toMatchObject({ status: 400, text: 'Cannot report yourself' });
    await expect(alice.client.reportUser(alice.id, '  \t ')).rejects.toMatchObject({ status: 400, text: 'Empty reason' });
    expect(() => alice.client.reportUser(alice.id, 'x'.repeat(1001))).toThrow(RangeError);
    expect(() => alice.client.setPrivacy('nobody' as 'friends')).toThrow(RangeError);
    // The connection is fine after all that.
    expect(await alice.client.getBlocked()).toEqual([]);
  });

  it("setPrivacy('friends') refuses a stranger with the same 403 as a block; friends may write, and a stranger may still befriend", async () => {
    const alice = await h.user('alice');
    const friend = await h.user('friend');
    const stranger = await h.user('stranger');
    await h.befriend(alice, friend);

    await alice.client.setPrivacy('friends');
    await expect(stranger.client.sendMessage(alice.id, 'hi')).rejects.toMatchObject(CANNOT_MESSAGE);
    await friend.client.sendMessage(alice.id, 'from a friend');
    expect(await alice.events.message.next()).toMatchObject({ senderId: friend.id, content: 'from a friend' });
    // It limits what others send you, not what you send.
    await alice.client.sendMessage(stranger.id, 'I may write to you');
    expect(await stranger.events.message.next()).toMatchObject({ senderId: alice.id });

    await h.befriend(stranger, alice);
    await stranger.client.sendMessage(alice.id, 'friends now');
    expect(await alice.events.message.next()).toMatchObject({ senderId: stranger.id, content: 'friends now' });
    await stranger.client.unfriend(alice.id);
    await expect(stranger.client.sendMessage(alice.id, 'still?')).rejects.toMatchObject(CANNOT_MESSAGE);

    await alice.client.setPrivacy('everyone');
    await stranger.client.sendMessage(alice.id, 'open again');
    expect(await alice.events.message.next()).toMatchObject({ senderId: stranger.id, content: 'open again' });
  });

  it('reportUser takes 20 reports in a day, then answers 429', async () => {
    const alice = await h.user('alice');
    const mallory = await h.user('mallory');
    await alice.client.reportUser(mallory.id, 'sends phishing links | every hour \\ 😀');
    // Pipelined: replies come in request order.
    const more = Array.from({ length: 19 }, (_, i) => alice.client.reportUser(mallory.id, `report ${i + 2}`));
    await Promise.all(more);
    await expect(alice.client.reportUser(mallory.id, 'one too many')).rejects.toMatchObject({
      name: 'ChatError',
      status: 429,
      text: 'Too many reports',
    });
    // The limit is the reporter's: someone else may still report.
    await mallory.client.reportUser(alice.id, 'reports me for nothing');
  });
});
