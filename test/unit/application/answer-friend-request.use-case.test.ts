import type { UserRef } from '../../../src/domain';
import { codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

/** alice has asked bob; carol is a bystander. */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.register('alice');
  const bob = await fx.register('bob');
  const carol = await fx.register('carol');
  const { requestId } = unwrap(await fx.useCases.sendFriendRequest.execute({ sender: alice, targetUsername: 'bob' }));
  const sut = fx.useCases.answerFriendRequest;
  const answer = (answer: 'accept' | 'reject', user: UserRef = bob, id = requestId) =>
    sut.execute({ user, requestId: id, answer });
  return { sut, fx, alice, bob, carol, requestId, answer };
}

describe('AnswerFriendRequest', () => {
  it('accepting makes a friendship both users see', async () => {
    const { fx, alice, bob, requestId, answer } = await makeSut();

    const { request } = unwrap(await answer('accept'));

    expect(request).toMatchObject({ id: requestId, senderId: alice.id, receiverId: bob.id });
    expect(await fx.friendNames(alice)).toEqual(['bob']);
    expect(await fx.friendNames(bob)).toEqual(['alice']);
  });

  it('sends no status update when a friendship starts', async () => {
    const { fx, answer } = await makeSut();
    const aliceOnline = await fx.logIn('alice');
    const bobOnline = await fx.logIn('bob');

    unwrap(await answer('accept'));

    expect(aliceOnline.connection.eventsOf('presence')).toEqual([]);
    expect(bobOnline.connection.eventsOf('presence')).toEqual([]);
    expect(await fx.useCases.getFriendList.execute({ userId: bobOnline.user.id })).toEqual([
      { id: aliceOnline.user.id, username: 'alice', status: 'online' },
    ]);
  });

  it('rejecting makes no friendship and ends the request', async () => {
    const { fx, alice, bob, answer } = await makeSut();

    expect(codeOf(await answer('reject'))).toBe('OK');

    expect(await fx.friendNames(alice)).toEqual([]);
    expect(await fx.friendNames(bob)).toEqual([]);
    expect(await fx.storage.repositories.friendRequests.listPendingFor(bob.id)).toEqual([]);
  });

  it.each(['accept', 'reject'] as const)(
    "refuses to let someone else %s the request with REQUEST_NOT_FOUND, and leaves it pending",
    async (verb) => {
      const { carol, answer } = await makeSut();

      expect(codeOf(await answer(verb, carol))).toBe('REQUEST_NOT_FOUND');
      expect(codeOf(await answer('accept'))).toBe('OK');
    },
  );

  it('refuses to let the sender answer their own request with REQUEST_NOT_FOUND', async () => {
    const { fx, alice, bob, answer } = await makeSut();

    expect(codeOf(await answer('accept', alice))).toBe('REQUEST_NOT_FOUND');
    expect(await fx.storage.repositories.friendships.exists(alice.id, bob.id)).toBe(false);
  });

  it('refuses an unknown request id with REQUEST_NOT_FOUND', async () => {
    const { bob, answer } = await makeSut();

    expect(codeOf(await answer('accept', bob, 999_999))).toBe('REQUEST_NOT_FOUND');
  });

  it.each([
    ['accepted', 'accept', 'accept'],
    ['accepted', 'accept', 'reject'],
    ['rejected', 'reject', 'accept'],
    ['rejected', 'reject', 'reject'],
  ] as const)('refuses to answer a request already %s (%s, then %s) with REQUEST_NOT_FOUND', async (_state, first, second) => {
    const { answer } = await makeSut();
    unwrap(await answer(first));

    expect(codeOf(await answer(second))).toBe('REQUEST_NOT_FOUND');
  });

  it('a rejection stays a rejection when accepted afterwards', async () => {
    const { fx, alice, answer } = await makeSut();
    unwrap(await answer('reject'));

    await answer('accept');

    expect(await fx.friendNames(alice)).toEqual([]);
  });

  it('of two concurrent accepts exactly one succeeds', async () => {
    const { fx, alice, answer } = await makeSut();

    const results = await Promise.all([answer('accept'), answer('accept')]);

    expect(results.map(codeOf).sort()).toEqual(['OK', 'REQUEST_NOT_FOUND']);
    expect(await fx.friendNames(alice)).toEqual(['bob']);
    expect(fx.activity('friend_accept')).toHaveLength(1);
  });

  it('of a concurrent accept and reject exactly one wins, and the state follows it', async () => {
    const { fx, alice, answer } = await makeSut();

    const [accepted, rejected] = await Promise.all([answer('accept'), answer('reject')]);

    expect([codeOf(accepted), codeOf(rejected)].filter((c) => c === 'OK')).toHaveLength(1);
    expect(await fx.friendNames(alice)).toEqual(accepted.ok ? ['bob'] : []);
  });

  it("records 'friend_accept' and 'friend_reject' in the activity log", async () => {
    const { fx, alice, bob, carol, requestId, answer } = await makeSut();
    const fromCarol = unwrap(await fx.useCases.sendFriendRequest.execute({ sender: carol, targetUsername: 'bob' }));

    unwrap(await answer('accept'));
    unwrap(await answer('reject', bob, fromCarol.requestId));

    expect(fx.activity().filter((e) => e.action === 'friend_accept' || e.action === 'friend_reject')).toEqual([
      { userId: bob.id, action: 'friend_accept', detail: `request=${requestId} from=${alice.id}`, at: fx.clock.now() },
      { userId: bob.id, action: 'friend_reject', detail: `request=${fromCarol.requestId} from=${carol.id}`, at: fx.clock.now() },
    ]);
  });
});
