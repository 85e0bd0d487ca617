import type { UserRef } from '../../../src/domain';
import { makeFixture, unwrap } from '../../support/use-case-fixtures';

/** alice receives requests; Bob, carol and dave are the other users. */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.register('alice');
  const bob = await fx.register('Bob');
  const carol = await fx.register('carol');
  const dave = await fx.register('dave');
  const sut = fx.useCases.getFriendRequests;
  const ask = async (sender: UserRef, target: UserRef) =>
    unwrap(await fx.useCases.sendFriendRequest.execute({ sender, targetUsername: target.username })).requestId;
  const answer = async (user: UserRef, requestId: number, verdict: 'accept' | 'reject') =>
    unwrap(await fx.useCases.answerFriendRequest.execute({ user, requestId, answer: verdict }));
  return { sut, fx, alice, bob, carol, dave, ask, answer };
}

describe('GetFriendRequests', () => {
  it('returns an empty list when no request is waiting', async () => {
    const { sut, alice } = await makeSut();

    expect(await sut.execute({ userId: alice.id })).toEqual([]);
  });

  it('returns each pending request addressed to the caller with its sender, oldest first', async () => {
    const { sut, fx, alice, bob, carol, dave, ask } = await makeSut();
    const start = fx.clock.now();
    const fromCarol = await ask(carol, alice);
    fx.clock.advance(1_000);
    const fromBob = await ask(bob, alice);
    fx.clock.advance(1_000);
    const fromDave = await ask(dave, alice);

    expect(await sut.execute({ userId: alice.id })).toEqual([
      { id: fromCarol, senderId: carol.id, senderUsername: 'carol', createdAt: start },
      { id: fromBob, senderId: bob.id, senderUsername: 'Bob', createdAt: start + 1_000 },
      { id: fromDave, senderId: dave.id, senderUsername: 'dave', createdAt: start + 2_000 },
    ]);
  });

  it('leaves out the requests the caller sent and those addressed to others', async () => {
    const { sut, alice, bob, carol, dave, ask } = await makeSut();
    await ask(alice, bob);
    await ask(carol, dave);
    const fromDave = await ask(dave, alice);

    expect((await sut.execute({ userId: alice.id })).map((r) => r.id)).toEqual([fromDave]);
    expect((await sut.execute({ userId: bob.id })).map((r) => r.senderUsername)).toEqual(['alice']);
  });

  it('leaves out the requests already accepted or rejected', async () => {
    const { sut, alice, bob, carol, dave, ask, answer } = await makeSut();
    const fromBob = await ask(bob, alice);
    const fromCarol = await ask(carol, alice);
    const fromDave = await ask(dave, alice);

    await answer(alice, fromBob, 'accept');
    await answer(alice, fromDave, 'reject');

    expect((await sut.execute({ userId: alice.id })).map((r) => r.id)).toEqual([fromCarol]);
  });

  it('shows a request again once it is sent anew after a rejection', async () => {
    const { sut, alice, bob, ask, answer } = await makeSut();
    await answer(alice, await ask(bob, alice), 'reject');

    const again = await ask(bob, alice);

    expect((await sut.execute({ userId: alice.id })).map((r) => r.id)).toEqual([again]);
  });

  it('changes nothing: asking twice gives the same list', async () => {
    const { sut, alice, bob, ask } = await makeSut();
    await ask(bob, alice);

    const first = await sut.execute({ userId: alice.id });

    expect(first).toHaveLength(1);
    expect(await sut.execute({ userId: alice.id })).toEqual(first);
  });
});
