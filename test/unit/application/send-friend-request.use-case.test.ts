import { PASSWORD, codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

/** alice asks; bob is online; carol is registered and offline. */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.registerAndLogin('alice');
  const bob = await fx.registerAndLogin('bob');
  const carol = await fx.register('Carol');
  const sut = fx.useCases.sendFriendRequest;
  const ask = (targetUsername: string, sender = alice.user) => sut.execute({ sender, targetUsername });
  const pendingFor = (userId: number) => fx.storage.repositories.friendRequests.listPendingFor(userId);
  return { sut, fx, alice, bob, carol, ask, pendingFor };
}

describe('SendFriendRequest', () => {
  it('stores a pending request and pushes it to the online target', async () => {
    const { fx, alice, bob, ask, pendingFor } = await makeSut();

    const { requestId } = unwrap(await ask('bob'));

    expect(bob.connection.received).toEqual([
      { kind: 'friend-request', requestId, senderId: alice.user.id, senderUsername: 'alice', sentAt: fx.clock.now() },
    ]);
    expect(await pendingFor(bob.user.id)).toEqual([
      { id: requestId, senderId: alice.user.id, senderUsername: 'alice', createdAt: fx.clock.now() },
    ]);
  });

  it('finds the target in any letter case; an offline target sees the request at the next login', async () => {
    const { fx, alice, carol, ask } = await makeSut();

    const { requestId } = unwrap(await ask('CAROL'));
    const { pendingRequests } = unwrap(
      await fx.useCases.logIn.execute({ connectionId: fx.connect().id, currentUserId: null, username: 'carol', password: PASSWORD }),
    );

    expect(pendingRequests.map((r) => r.id)).toEqual([requestId]);
    expect(await fx.storage.repositories.friendRequests.findPendingBetween(carol.id, alice.user.id)).toMatchObject({ id: requestId });
  });

  it('does not push anything to the sender', async () => {
    const { alice, ask } = await makeSut();

    unwrap(await ask('bob'));

    expect(alice.connection.received).toEqual([]);
  });

  it('refuses an unknown target with USER_NOT_FOUND', async () => {
    const { ask } = await makeSut();

    expect(codeOf(await ask('nobody'))).toBe('USER_NOT_FOUND');
  });

  it('refuses a target name that breaks the username rules with INVALID_INPUT', async () => {
    const { ask } = await makeSut();

    expect(codeOf(await ask('no such name!'))).toBe('INVALID_INPUT');
  });

  it.each(['alice', 'ALICE', 'aLiCe'])('refuses a request to yourself (%s) with INVALID_INPUT', async (name) => {
    const { alice, ask, pendingFor } = await makeSut();

    expect(codeOf(await ask(name))).toBe('INVALID_INPUT');
    expect(await pendingFor(alice.user.id)).toEqual([]);
  });

  it('refuses friends with ALREADY_FRIENDS, whichever of them asks', async () => {
    const { fx, alice, bob, ask } = await makeSut();
    await fx.befriend(alice.user, bob.user);
    bob.connection.clear();

    expect(codeOf(await ask('bob'))).toBe('ALREADY_FRIENDS');
    expect(codeOf(await ask('alice', bob.user))).toBe('ALREADY_FRIENDS');
    expect(bob.connection.received).toEqual([]);
  });

  it('refuses a second request while one is pending with REQUEST_PENDING', async () => {
    const { bob, ask, pendingFor } = await makeSut();
    unwrap(await ask('bob'));
    bob.connection.clear();

    expect(codeOf(await ask('BOB'))).toBe('REQUEST_PENDING');
    expect(await pendingFor(bob.user.id)).toHaveLength(1);
    expect(bob.connection.received).toEqual([]);
  });

  it('refuses a request in the other direction while one is pending with REQUEST_PENDING', async () => {
    const { alice, bob, ask, pendingFor } = await makeSut();
    unwrap(await ask('bob'));

    expect(codeOf(await ask('alice', bob.user))).toBe('REQUEST_PENDING');
    expect(await pendingFor(alice.user.id)).toEqual([]);
  });

  it('allows a new request after a rejection', async () => {
    const { fx, bob, ask } = await makeSut();
    const { requestId } = unwrap(await ask('bob'));
    unwrap(await fx.useCases.answerFriendRequest.execute({ user: bob.user, requestId, answer: 'reject' }));

    expect(codeOf(await ask('bob'))).toBe('OK');
  });

  it('allows a new request after an unfriend', async () => {
    const { fx, alice, bob, ask } = await makeSut();
    await fx.befriend(alice.user, bob.user);
    unwrap(await fx.useCases.unfriend.execute({ userId: bob.user.id, friendId: alice.user.id }));

    expect(codeOf(await ask('bob'))).toBe('OK');
  });

  it("records 'friend_request' in the activity log", async () => {
    const { fx, alice, bob, ask } = await makeSut();

    unwrap(await ask('bob'));

    expect(fx.activity('friend_request')).toEqual([
      { userId: alice.user.id, action: 'friend_request', detail: `to=${bob.user.id}`, at: fx.clock.now() },
    ]);
  });
});
