import type { UserRef } from '../../../src/domain';
import { codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

/**
 * PROTOCOL §6, 2011 FRIEND_REQUEST_ACCEPTED: alice has asked "Bob"; both are logged in,
 * alice on two devices. carol is logged in and has nothing to do with it.
 */
async function makeSut() {
  const fx = makeFixture();
  await fx.register('alice');
  await fx.register('Bob');
  await fx.register('carol');
  const alicePhone = await fx.logIn('alice');
  const aliceLaptop = await fx.logIn('alice');
  // Bob types his name in another letter case; the push still names him as registered.
  const bob = await fx.logIn('bob');
  const carol = await fx.logIn('carol');
  const { requestId } = unwrap(
    await fx.useCases.sendFriendRequest.execute({ sender: alicePhone.user, targetUsername: 'Bob' }),
  );
  for (const session of [alicePhone, aliceLaptop, bob, carol]) session.connection.clear();
  const answer = (verdict: 'accept' | 'reject', user: UserRef = bob.user, id = requestId) =>
    fx.useCases.answerFriendRequest.execute({ user, requestId: id, answer: verdict });
  return { fx, alicePhone, aliceLaptop, bob, carol, requestId, answer };
}

describe('AnswerFriendRequest tells the sender who accepted (2011)', () => {
  it('pushes friend-request-accepted with the request id, the accepter and the time to every connection of the sender', async () => {
    const { fx, alicePhone, aliceLaptop, bob, requestId, answer } = await makeSut();
    fx.clock.advance(60_000);

    unwrap(await answer('accept'));

    const expected = {
      kind: 'friend-request-accepted',
      requestId,
      userId: bob.user.id,
      username: 'Bob',
      acceptedAt: fx.clock.now(),
    };
    expect(alicePhone.connection.received).toEqual([expected]);
    expect(aliceLaptop.connection.received).toEqual([expected]);
  });

  it('pushes nothing to the accepter or to anyone else', async () => {
    const { bob, carol, answer } = await makeSut();

    unwrap(await answer('accept'));

    expect(bob.connection.received).toEqual([]);
    expect(carol.connection.received).toEqual([]);
  });

  it('pushes nothing to anyone on a rejection', async () => {
    const { alicePhone, aliceLaptop, bob, carol, answer } = await makeSut();

    unwrap(await answer('reject'));

    for (const session of [alicePhone, aliceLaptop, bob, carol]) expect(session.connection.received).toEqual([]);
  });

  it('pushes nothing when the answer is refused', async () => {
    const { alicePhone, aliceLaptop, carol, requestId, answer } = await makeSut();

    expect(codeOf(await answer('accept', carol.user))).toBe('REQUEST_NOT_FOUND');
    expect(codeOf(await answer('accept', alicePhone.user))).toBe('REQUEST_NOT_FOUND');
    expect(codeOf(await answer('accept', undefined, requestId + 1_000))).toBe('REQUEST_NOT_FOUND');

    expect(alicePhone.connection.received).toEqual([]);
    expect(aliceLaptop.connection.received).toEqual([]);
  });

  it('pushes once: a second accept of the same request is refused and pushes nothing more', async () => {
    const { alicePhone, answer } = await makeSut();
    unwrap(await answer('accept'));

    expect(codeOf(await answer('accept'))).toBe('REQUEST_NOT_FOUND');
    expect(alicePhone.connection.eventsOf('friend-request-accepted')).toHaveLength(1);
  });

  it('keeps nothing for a sender who is offline: logging in later brings no 2011', async () => {
    const { fx, alicePhone, aliceLaptop, answer } = await makeSut();
    await fx.endSession(alicePhone);
    await fx.endSession(aliceLaptop);

    unwrap(await answer('accept'));
    const later = await fx.logIn('alice');

    expect(alicePhone.connection.received).toEqual([]);
    expect(aliceLaptop.connection.received).toEqual([]);
    expect(later.connection.received).toEqual([]);
    expect(await fx.friendNames(later.user)).toEqual(['Bob']);
  });

  it('still makes the friendship when the push cannot be written', async () => {
    const { fx, alicePhone, aliceLaptop, bob, answer } = await makeSut();
    alicePhone.connection.failDeliveries();
    aliceLaptop.connection.failDeliveries();

    expect(codeOf(await answer('accept'))).toBe('OK');
    expect(await fx.friendNames(bob.user)).toEqual(['alice']);
  });
});
