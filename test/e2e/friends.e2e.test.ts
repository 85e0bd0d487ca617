import { befriend, startTestServer, type TestServer } from '../support/e2e-server';

describe('friends and presence over TCP', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(() => t.stop());

  it('pushes 2003 with the request id; accepting makes both friends, listed online', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const before = Date.now();
    expect(await alice.client.call(1005, 'BOB')).toEqual(['200', 'Request sent']);
    const [senderId, senderName, timestamp, requestId] = await bob.client.nextPush(2003);
    expect([senderId, senderName]).toEqual([String(alice.id), 'alice']);
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before - 1);
    expect(requestId).toMatch(/^[1-9]\d*$/);
    expect(await bob.client.call(1006, requestId!)).toEqual(['200', 'Friend added']);
    expect(await alice.client.call(1009)).toEqual(['1', String(bob.id), 'bob', 'online']);
    expect(await bob.client.call(1009)).toEqual(['1', String(alice.id), 'alice', 'online']);
    // Answered: the same id is no longer a pending request.
    expect(await bob.client.call(1006, requestId!)).toEqual(['404', 'Request not found']);
    expect(await bob.client.call(1007, requestId!)).toEqual(['404', 'Request not found']);
  });

  it('refuses requests to unknown users, yourself, friends, and a second pending one either way', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    expect(await alice.client.call(1005, 'nobody')).toEqual(['404', 'User not found']);
    expect((await alice.client.call(1005, 'ALICE'))[0]).toBe('400');
    expect(await alice.client.call(1005, 'bob')).toEqual(['200', 'Request sent']);
    expect(await alice.client.call(1005, 'bob')).toEqual(['409', 'Request already pending']);
    expect(await bob.client.call(1005, 'alice')).toEqual(['409', 'Request already pending']);
    const [, , , requestId] = await bob.client.nextPush(2003);
    // Only the receiver can answer.
    expect(await alice.client.call(1006, requestId!)).toEqual(['404', 'Request not found']);
    await bob.client.call(1006, requestId!);
    expect(await alice.client.call(1005, 'bob')).toEqual(['409', 'Already friends']);
    expect((await alice.client.call(1006, 'abc'))[0]).toBe('400');
  });

  it('pushes pending requests right after the LOGIN reply, oldest first, on every login', async () => {
    const alice = await t.user('alice');
    const carol = await t.user('carol');
    const bob = await t.user('bob');
    await bob.client.call(1002);
    await alice.client.call(1005, 'bob');
    await carol.client.call(1005, 'bob');
    const frames = bob.client.received.length;
    expect((await bob.client.call(1001, ['bob', 'password123']))[0]).toBe('200');
    const first = await bob.client.nextPush(2003);
    const second = await bob.client.nextPush(2003);
    expect([first[1], second[1]]).toEqual(['alice', 'carol']);
    // The reply came first, then the two pushes.
    expect(bob.client.received.slice(frames).map((f) => f.type)).toEqual([2000, 2003, 2003]);
    const phone = await t.connect();
    await phone.call(1001, ['bob', 'password123']);
    expect((await phone.nextPush(2003))[1]).toBe('alice');
  });

  it('rejects, then allows a new request; unfriend ends it for both', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await alice.client.call(1005, 'bob');
    const [, , , requestId] = await bob.client.nextPush(2003);
    expect(await bob.client.call(1007, requestId!)).toEqual(['200', 'Request rejected']);
    expect(await alice.client.call(1009)).toEqual(['0']);
    await befriend(alice, bob);
    expect(await alice.client.call(1008, bob.id)).toEqual(['200', 'Unfriended']);
    expect(await bob.client.call(1009)).toEqual(['0']);
    expect(await bob.client.call(1008, alice.id)).toEqual(['404', 'Not friends']);
    await befriend(bob, alice);
    expect((await alice.client.call(1009))[0]).toBe('1');
  });

  it('tells online friends when a user comes online, logs out, and drops', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await befriend(alice, bob);
    await bob.client.call(1002);
    expect(await alice.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'offline']);
    expect(await alice.client.call(1009)).toEqual(['1', String(bob.id), 'bob', 'offline']);
    await bob.client.call(1001, ['bob', 'password123']);
    expect(await alice.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'online']);
    // A second device neither announces nor, when it goes, takes the user offline.
    const phone = await t.connect();
    await phone.call(1001, ['bob', 'password123']);
    await phone.destroy();
    await bob.client.destroy();
    expect(await alice.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'offline']);
    expect(alice.client.pendingPushes(2006)).toEqual([]);
  });

  it('lists friends ordered by username case-insensitively', async () => {
    const me = await t.user('me_user');
    for (const name of ['zed', 'Bob', 'alice', 'Carl']) {
      const friend = await t.user(name);
      await befriend(me, friend);
    }
    const list = await me.client.call(1009);
    expect(list[0]).toBe('4');
    expect([list[2], list[5], list[8], list[11]]).toEqual(['alice', 'Bob', 'Carl', 'zed']);
  });
});
