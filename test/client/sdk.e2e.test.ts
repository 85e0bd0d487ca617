import { ChatError, ConnectionClosedError } from '../../src/client/client-errors';
import { startSdkHarness, type SdkHarness } from './support/sdk-harness';

/** The SDK against the real server, seed commands (1000–1014, 2000–2006) and PING. */
describe('ChatClient against the real server', () => {
  let h: SdkHarness;
  beforeEach(async () => {
    h = await startSdkHarness();
  });
  afterEach(() => h.stop());

  it('registers and logs in, with the name as registered; errors carry 409 and 401', async () => {
    const { client } = await h.connect();
    await expect(client.ping()).resolves.toBeUndefined(); // allowed before LOGIN
    const { userId } = await client.register('Alice', 'password123');
    expect(Number.isSafeInteger(userId) && userId > 0).toBe(true);
    await expect(client.register('ALICE', 'password456')).rejects.toMatchObject({
      name: 'ChatError',
      status: 409,
      text: 'Username already exists',
    });
    await expect(client.getFriendList()).rejects.toMatchObject({ status: 401, text: 'Not logged in' });
    await expect(client.login('alice', 'wrong password')).rejects.toMatchObject({ status: 401, text: 'Invalid credentials' });
    expect(await client.login('alice', 'password123')).toEqual({ userId, username: 'Alice' });
    expect(client.user).toEqual({ userId, username: 'Alice' });
    await expect(client.login('alice', 'password123')).rejects.toMatchObject({ status: 409, text: 'Already logged in' });
  });

  it('sends a password and a username with pipes and backslashes intact', async () => {
    const { client } = await h.connect();
    await client.register('carol', 'pa|ss\\w|ord');
    await expect(client.login('carol', 'pa|ss\\w|ord')).resolves.toMatchObject({ username: 'carol' });
    // A name with a pipe is one (invalid) field, not a name and a password.
    await expect(client.register('bad|name', 'password123')).rejects.toMatchObject({ status: 400, text: 'Invalid username' });
  });

  it('runs the friend flow: the friendRequest event carries the request id to accept', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const before = Date.now();
    await alice.client.sendFriendRequest('BOB');
    const request = await bob.events.friendRequest.next();
    expect(request).toEqual({ requestId: expect.any(Number), senderId: alice.id, senderUsername: 'alice', timestamp: expect.any(Number) });
    expect(request.timestamp).toBeGreaterThanOrEqual(before - 1000);
    await expect(alice.client.sendFriendRequest('bob')).rejects.toMatchObject({ status: 409, text: 'Request already pending' });
    await expect(alice.client.acceptFriendRequest(request.requestId)).rejects.toMatchObject({ status: 404 });
    await bob.client.acceptFriendRequest(request.requestId);
    expect(await alice.client.getFriendList()).toEqual([{ id: bob.id, username: 'bob', status: 'online' }]);
    expect(await bob.client.getFriendList()).toEqual([{ id: alice.id, username: 'alice', status: 'online' }]);
    await expect(bob.client.acceptFriendRequest(request.requestId)).rejects.toMatchObject({ status: 404, text: 'Request not found' });
    await expect(alice.client.sendFriendRequest('bob')).rejects.toMatchObject({ status: 409, text: 'Already friends' });
    await expect(alice.client.sendFriendRequest('nobody')).rejects.toMatchObject({ status: 404, text: 'User not found' });
    await alice.client.unfriend(bob.id);
    expect(await bob.client.getFriendList()).toEqual([]);
    await expect(alice.client.unfriend(bob.id)).rejects.toMatchObject({ status: 404, text: 'Not friends' });
  });

  it('rejects a request and lets a new one through', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.client.sendFriendRequest('bob');
    const first = await bob.events.friendRequest.next();
    await bob.client.rejectFriendRequest(first.requestId);
    await alice.client.sendFriendRequest('bob');
    const second = await bob.events.friendRequest.next();
    expect(second.requestId).not.toBe(first.requestId);
  });

  it('delivers a direct message as a message event, content escaped both ways', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const content = 'pipes | and \\ backslashes \\| mixed, emoji 😀';
    const before = Date.now();
    await alice.client.sendMessage(bob.id, content);
    const message = await bob.events.message.next();
    expect(message).toEqual({ senderId: alice.id, senderUsername: 'alice', content, timestamp: expect.any(Number) });
    expect(message.timestamp).toBeGreaterThanOrEqual(before - 1000);
    expect(message.timestamp).toBeLessThanOrEqual(Date.now() + 1000);
    await expect(alice.client.sendMessage(999_999, 'hi')).rejects.toMatchObject({ status: 404, text: 'User not found' });
    await expect(alice.client.sendMessage(alice.id, 'hi')).rejects.toMatchObject({ status: 400 });
    await expect(alice.client.sendMessage(bob.id, '   ')).rejects.toMatchObject({ status: 400, text: 'Empty message' });
  });

  it('pipelines hundreds of requests, replies and pushes in order', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const sends = Array.from({ length: 300 }, (_, i) => alice.client.sendMessage(bob.id, `m${i}`));
    const friends = alice.client.getFriendList();
    const bad = alice.client.sendMessage(999_999, 'x');
    await Promise.all(sends);
    expect(await friends).toEqual([]);
    await expect(bad).rejects.toBeInstanceOf(ChatError);
    const received: string[] = [];
    for (let i = 0; i < 300; i++) received.push((await bob.events.message.next()).content);
    expect(received).toEqual(Array.from({ length: 300 }, (_, i) => `m${i}`));
  });

  it('resolves 1,000 pipelined requests of mixed kinds in order', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const settled: string[] = [];
    const requests = Array.from({ length: 1000 }, (_, i) => {
      const request: Promise<unknown> =
        i % 4 === 0
          ? alice.client.sendMessage(bob.id, `n${i}`)
          : i % 4 === 1
            ? alice.client.ping()
            : i % 4 === 2
              ? alice.client.findUser('BOB')
              : alice.client.getFriendList();
      return request.then((value) => {
        settled.push(`${i}`);
        return value;
      });
    });
    const results = await Promise.all(requests);
    expect(settled).toEqual(Array.from({ length: 1000 }, (_, i) => `${i}`));
    expect(results[2]).toEqual({ userId: bob.id, username: 'bob' });
    expect(results[3]).toEqual([]);
  });

  it('rejects every pending request when the server closes the connection, leaving none hanging', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await bob.client.logout();
    const sends = Array.from({ length: 2000 }, (_, i) => alice.client.sendMessage(bob.id, `m${i}`));
    const outcomes = Promise.allSettled(sends);
    await h.server.server.close();
    const settled = await outcomes;
    const rejected = settled.filter((o) => o.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const outcome of rejected) expect(outcome.reason).toBeInstanceOf(ConnectionClosedError);
    // Replies come in order: what was answered is a prefix.
    const firstRejected = settled.findIndex((o) => o.status === 'rejected');
    expect(settled.slice(firstRejected).every((o) => o.status === 'rejected')).toBe(true);
  });

  it('creates a group, adds members, delivers group messages; errors carry 403/404/409', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const group = await alice.client.createGroup('  Team | One  ');
    expect(group).toEqual({ groupId: expect.any(Number), name: 'Team | One' });
    await alice.client.addToGroup(group.groupId, bob.id);
    await expect(alice.client.addToGroup(group.groupId, bob.id)).rejects.toMatchObject({ status: 409, text: 'Already a member' });
    await expect(bob.client.addToGroup(group.groupId, carol.id)).rejects.toMatchObject({ status: 403, text: 'Not admin' });
    await expect(alice.client.addToGroup(999_999, carol.id)).rejects.toMatchObject({ status: 404, text: 'Group not found' });
    await bob.client.sendGroupMessage(group.groupId, 'hello | team');
    expect(await alice.events.groupMessage.next()).toEqual({
      groupId: group.groupId,
      groupName: 'Team | One',
      senderId: bob.id,
      senderUsername: 'bob',
      content: 'hello | team',
      timestamp: expect.any(Number),
    });
    await expect(carol.client.sendGroupMessage(group.groupId, 'hi')).rejects.toMatchObject({ status: 403, text: 'Not a member' });
    await alice.client.removeFromGroup(group.groupId, bob.id);
    await expect(bob.client.sendGroupMessage(group.groupId, 'still here?')).rejects.toMatchObject({ status: 403 });
    await alice.client.addToGroup(group.groupId, carol.id);
    await carol.client.leaveGroup(group.groupId);
    await expect(carol.client.leaveGroup(group.groupId)).rejects.toMatchObject({ status: 404, text: 'Group not found' });
    await expect(alice.client.createGroup('   ')).rejects.toMatchObject({ status: 400, text: 'Invalid name' });
  });

  it('keeps messages for a user who is away and hands them over by GET_OFFLINE_MESSAGES', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await bob.client.logout();
    expect(bob.client.user).toBeNull();
    await alice.client.sendMessage(bob.id, 'first');
    await alice.client.sendMessage(bob.id, 'second | with pipe');
    await bob.client.login('bob', bob.password);
    const stored = await bob.client.getOfflineMessages();
    expect(stored.map((m) => [m.senderId, m.senderUsername, m.content])).toEqual([
      [alice.id, 'alice', 'first'],
      [alice.id, 'alice', 'second | with pipe'],
    ]);
    expect(stored[0]!.timestamp).toBeLessThanOrEqual(stored[1]!.timestamp);
    expect(await bob.client.getOfflineMessages()).toEqual([]);
    expect(bob.events.message.pending).toEqual([]);
  });

  it('replays pending friend requests as friendRequest events right after login', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await bob.client.logout();
    await alice.client.sendFriendRequest('bob');
    await bob.client.login('bob', bob.password);
    const replayed = await bob.events.friendRequest.next();
    expect(replayed).toMatchObject({ senderId: alice.id, senderUsername: 'alice' });
    await bob.client.acceptFriendRequest(replayed.requestId);
  });

  it('sends presence events when a friend logs out, comes back, and drops', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await h.befriend(alice, bob);
    await bob.client.logout();
    expect(await alice.events.presence.next()).toEqual({ userId: bob.id, username: 'bob', status: 'offline' });
    await bob.client.login('bob', bob.password);
    expect(await alice.events.presence.next()).toEqual({ userId: bob.id, username: 'bob', status: 'online' });
    bob.client.destroy();
    expect(await alice.events.presence.next()).toEqual({ userId: bob.id, username: 'bob', status: 'offline' });
  });

  it('logs out and stays connected', async () => {
    const alice = await h.user('alice');
    await alice.client.logout();
    await expect(alice.client.getFriendList()).rejects.toMatchObject({ status: 401 });
    await expect(alice.client.ping()).resolves.toBeUndefined();
    expect(alice.client.isOpen).toBe(true);
  });

  it('reports the server shutting down through the close event; later requests reject at once', async () => {
    const alice = await h.user('alice');
    const closed = alice.client.closed;
    await h.server.server.close();
    const error = await closed;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    await expect(alice.client.getFriendList()).rejects.toBeInstanceOf(ConnectionClosedError);
  });
});
