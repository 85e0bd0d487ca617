import { codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

/** alice and bob are friends; carol is nobody's friend. */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.register('alice');
  const bob = await fx.register('bob');
  const carol = await fx.register('carol');
  await fx.befriend(alice, bob);
  return { sut: fx.useCases.unfriend, fx, alice, bob, carol };
}

describe('Unfriend', () => {
  it('ends the friendship for both users', async () => {
    const { sut, fx, alice, bob } = await makeSut();

    expect(codeOf(await sut.execute({ userId: alice.id, friendId: bob.id }))).toBe('OK');

    expect(await fx.friendNames(alice)).toEqual([]);
    expect(await fx.friendNames(bob)).toEqual([]);
  });

  it('may be done by either of the two', async () => {
    const { sut, fx, alice, bob } = await makeSut();

    expect(codeOf(await sut.execute({ userId: bob.id, friendId: alice.id }))).toBe('OK');
    expect(await fx.friendNames(alice)).toEqual([]);
  });

  it('refuses a user who is not a friend with NOT_FRIENDS', async () => {
    const { sut, alice, carol } = await makeSut();

    expect(codeOf(await sut.execute({ userId: alice.id, friendId: carol.id }))).toBe('NOT_FRIENDS');
  });

  it('refuses an unknown user with NOT_FRIENDS', async () => {
    const { sut, alice } = await makeSut();

    expect(codeOf(await sut.execute({ userId: alice.id, friendId: 999_999 }))).toBe('NOT_FRIENDS');
  });

  it('refuses a second unfriend with NOT_FRIENDS', async () => {
    const { sut, alice, bob } = await makeSut();
    unwrap(await sut.execute({ userId: alice.id, friendId: bob.id }));

    expect(codeOf(await sut.execute({ userId: bob.id, friendId: alice.id }))).toBe('NOT_FRIENDS');
  });

  it('does not count a pending request as a friendship', async () => {
    const { sut, fx, alice, carol } = await makeSut();
    unwrap(await fx.useCases.sendFriendRequest.execute({ sender: alice, targetUsername: 'carol' }));

    expect(codeOf(await sut.execute({ userId: alice.id, friendId: carol.id }))).toBe('NOT_FRIENDS');
  });

  it('stops status updates between the two', async () => {
    const { sut, fx, alice, bob } = await makeSut();
    const bobOnline = await fx.logIn('bob');
    const aliceOnline = await fx.logIn('alice');
    bobOnline.connection.clear();

    unwrap(await sut.execute({ userId: alice.id, friendId: bob.id }));
    await fx.endSession(aliceOnline);

    expect(bobOnline.connection.received).toEqual([]);
  });

  it("records 'unfriend' in the activity log", async () => {
    const { sut, fx, alice, bob } = await makeSut();

    unwrap(await sut.execute({ userId: alice.id, friendId: bob.id }));

    expect(fx.activity('unfriend')).toEqual([
      { userId: alice.id, action: 'unfriend', detail: `friend=${bob.id}`, at: fx.clock.now() },
    ]);
  });
});
