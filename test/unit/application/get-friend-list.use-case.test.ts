import { makeFixture, unwrap } from '../../support/use-case-fixtures';

/** zed has friends whose names differ in letter case; some of them are online. */
async function makeSut() {
  const fx = makeFixture();
  const zed = await fx.register('zed');
  const users = {
    carol: await fx.register('carol'),
    Bob: await fx.register('Bob'),
    Dave: await fx.register('Dave'),
    alice: await fx.register('alice'),
  };
  return { sut: fx.useCases.getFriendList, fx, zed, users };
}

describe('GetFriendList', () => {
  it('is empty for a user without friends', async () => {
    const { sut, zed } = await makeSut();

    expect(await sut.execute({ userId: zed.id })).toEqual([]);
  });

  it('lists friends ordered by username case-insensitively, as registered', async () => {
    const { sut, fx, zed, users } = await makeSut();
    for (const friend of Object.values(users)) await fx.befriend(zed, friend);

    const list = await sut.execute({ userId: zed.id });

    expect(list.map((f) => f.username)).toEqual(['alice', 'Bob', 'carol', 'Dave']);
    expect(list.map((f) => f.id)).toEqual([users.alice.id, users.Bob.id, users.carol.id, users.Dave.id]);
  });

  it('gives each friend their status', async () => {
    const { sut, fx, zed, users } = await makeSut();
    await fx.befriend(zed, users.alice);
    await fx.befriend(users.Bob, zed);
    await fx.befriend(zed, users.carol);
    await fx.logIn('alice');
    const carol = await fx.logIn('carol');
    await fx.endSession(carol);

    expect(await sut.execute({ userId: zed.id })).toEqual([
      { id: users.alice.id, username: 'alice', status: 'online' },
      { id: users.Bob.id, username: 'Bob', status: 'offline' },
      { id: users.carol.id, username: 'carol', status: 'offline' },
    ]);
  });

  it('lists neither strangers nor users with a pending request', async () => {
    const { sut, fx, zed, users } = await makeSut();
    await fx.befriend(zed, users.alice);
    unwrap(await fx.useCases.sendFriendRequest.execute({ sender: zed, targetUsername: 'Bob' }));
    unwrap(await fx.useCases.sendFriendRequest.execute({ sender: users.carol, targetUsername: 'zed' }));

    expect((await sut.execute({ userId: zed.id })).map((f) => f.username)).toEqual(['alice']);
  });
});
