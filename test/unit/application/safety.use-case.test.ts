import { REPORT_LIMIT } from '../../../src/application';
import { codeOf, makeFixture, unwrap, type UseCaseFixture } from '../../support/use-case-fixtures';

const HOUR = 60 * 60 * 1000;

/** alice and bob are friends; carol is nobody's friend. Nobody is logged in. */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.register('alice');
  const bob = await fx.register('bob');
  const carol = await fx.register('carol');
  await fx.befriend(alice, bob);
  const { blockUser, unblockUser, getBlocked, setPrivacy, reportUser, sendDirectMessage, sendFriendRequest } = fx.useCases;
  return { fx, alice, bob, carol, blockUser, unblockUser, getBlocked, setPrivacy, reportUser, sendDirectMessage, sendFriendRequest };
}

const send = (fx: UseCaseFixture, sender: { id: number; username: string }, receiverId: number, content = 'hi') =>
  fx.useCases.sendDirectMessage.execute({ sender, receiverId, content });

describe('BlockUser', () => {
  it('refuses messages both ways with CANNOT_MESSAGE, and lists the blocked user', async () => {
    const { fx, alice, carol, blockUser, getBlocked } = await makeSut();

    expect(codeOf(await blockUser.execute({ userId: alice.id, blockedId: carol.id }))).toBe('OK');

    expect(codeOf(await send(fx, carol, alice.id))).toBe('CANNOT_MESSAGE');
    expect(codeOf(await send(fx, alice, carol.id))).toBe('CANNOT_MESSAGE');
    expect(await getBlocked.execute({ userId: alice.id })).toEqual([{ id: carol.id, username: 'carol' }]);
    expect(await getBlocked.execute({ userId: carol.id })).toEqual([]);
  });

  it('refuses friend requests both ways with CANNOT_MESSAGE, storing and pushing nothing', async () => {
    const { fx, alice, carol, blockUser, sendFriendRequest } = await makeSut();
    const carolOnline = await fx.logIn('carol');
    unwrap(await blockUser.execute({ userId: alice.id, blockedId: carol.id }));

    expect(codeOf(await sendFriendRequest.execute({ sender: carol, targetUsername: 'alice' }))).toBe('CANNOT_MESSAGE');
    expect(codeOf(await sendFriendRequest.execute({ sender: alice, targetUsername: 'CAROL' }))).toBe('CANNOT_MESSAGE');

    expect(await fx.useCases.getFriendRequests.execute({ userId: alice.id })).toEqual([]);
    expect(await fx.useCases.getFriendRequests.execute({ userId: carol.id })).toEqual([]);
    expect(carolOnline.connection.received).toEqual([]);
  });

  it('ends the friendship for both, and pushes nothing to the blocked user', async () => {
    const { fx, alice, bob, blockUser } = await makeSut();
    const bobOnline = await fx.logIn('bob');
    bobOnline.connection.clear();

    unwrap(await blockUser.execute({ userId: alice.id, blockedId: bob.id }));

    expect(await fx.friendNames(alice)).toEqual([]);
    expect(await fx.friendNames(bob)).toEqual([]);
    expect(bobOnline.connection.received).toEqual([]);
  });

  it.each([
    ['from the blocked user', 'carol', 'alice'],
    ['to the blocked user', 'alice', 'carol'],
  ])('rejects a pending friend request %s: it can no longer be accepted', async (_way, from, to) => {
    const { fx, alice, carol, blockUser } = await makeSut();
    const users = { alice, carol } as const;
    const sender = users[from as keyof typeof users];
    const receiver = users[to as keyof typeof users];
    const { requestId } = unwrap(await fx.useCases.sendFriendRequest.execute({ sender, targetUsername: receiver.username }));

    unwrap(await blockUser.execute({ userId: alice.id, blockedId: carol.id }));

    expect(await fx.useCases.getFriendRequests.execute({ userId: receiver.id })).toEqual([]);
    expect(codeOf(await fx.useCases.answerFriendRequest.execute({ user: receiver, requestId, answer: 'accept' }))).toBe(
      'REQUEST_NOT_FOUND',
    );
    expect(await fx.friendNames(alice)).toEqual(['bob']);
  });

  it('silences presence both ways: neither hears the other come or go', async () => {
    const { fx, alice, bob, blockUser } = await makeSut();
    const aliceOnline = await fx.logIn('alice');
    const bobOnline = await fx.logIn('bob');
    unwrap(await blockUser.execute({ userId: bob.id, blockedId: alice.id }));
    aliceOnline.connection.clear();
    bobOnline.connection.clear();

    await fx.endSession(bobOnline);
    const bobAgain = await fx.logIn('bob');
    await fx.endSession(aliceOnline);
    await fx.logIn('alice');

    expect(aliceOnline.connection.eventsOf('presence')).toEqual([]);
    expect(bobAgain.connection.eventsOf('presence')).toEqual([]);
  });

  it('holds back messages the blocked user sent before: 1014 does not hand them out until an unblock', async () => {
    const { fx, alice, bob, carol, blockUser, unblockUser } = await makeSut();
    unwrap(await send(fx, carol, alice.id, 'from carol'));
    unwrap(await send(fx, bob, alice.id, 'from bob'));

    unwrap(await blockUser.execute({ userId: alice.id, blockedId: carol.id }));
    const whileBlocked = await fx.useCases.getOfflineMessages.execute({ userId: alice.id });
    unwrap(await unblockUser.execute({ userId: alice.id, blockedId: carol.id }));
    const afterUnblock = await fx.useCases.getOfflineMessages.execute({ userId: alice.id });

    expect(whileBlocked.map((m) => m.content)).toEqual(['from bob']);
    expect(afterUnblock.map((m) => m.content)).toEqual(['from carol']);
  });

  it('leaves group messages alone: a group both belong to still carries both ways', async () => {
    const { fx, alice, carol, blockUser } = await makeSut();
    const groupId = await fx.createGroup(alice);
    await fx.addMembers(groupId, alice, carol);
    unwrap(await blockUser.execute({ userId: alice.id, blockedId: carol.id }));

    unwrap(await fx.useCases.sendGroupMessage.execute({ sender: carol, groupId, content: 'hello all' }));

    expect((await fx.useCases.getOfflineGroupMessages.execute({ userId: alice.id })).map((m) => m.content)).toEqual([
      'hello all',
    ]);
  });

  it('answers OK to blocking again and changes nothing: no second entry in the activity log', async () => {
    const { fx, alice, carol, blockUser } = await makeSut();
    unwrap(await blockUser.execute({ userId: alice.id, blockedId: carol.id }));

    expect(unwrap(await blockUser.execute({ userId: alice.id, blockedId: carol.id }))).toEqual({ changed: false });
    expect(fx.activity('block')).toHaveLength(1);
  });

  it("records 'block' with the blocked user's id", async () => {
    const { fx, alice, carol, blockUser } = await makeSut();

    unwrap(await blockUser.execute({ userId: alice.id, blockedId: carol.id }));

    expect(fx.activity('block')).toEqual([{ userId: alice.id, action: 'block', detail: `user=${carol.id}`, at: fx.clock.now() }]);
  });

  it('refuses oneself with INVALID_INPUT and an unknown user with USER_NOT_FOUND, changing nothing', async () => {
    const { fx, alice, blockUser, getBlocked } = await makeSut();

    expect(await blockUser.execute({ userId: alice.id, blockedId: alice.id })).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', reason: 'Cannot block yourself' },
    });
    expect(codeOf(await blockUser.execute({ userId: alice.id, blockedId: 999_999 }))).toBe('USER_NOT_FOUND');
    expect(await getBlocked.execute({ userId: alice.id })).toEqual([]);
    expect(await fx.friendNames(alice)).toEqual(['bob']);
    expect(fx.activity('block')).toEqual([]);
  });
});

describe('UnblockUser', () => {
  it('lets messages through again, but brings no friendship back', async () => {
    const { fx, alice, bob, blockUser, unblockUser, getBlocked } = await makeSut();
    unwrap(await blockUser.execute({ userId: alice.id, blockedId: bob.id }));

    expect(codeOf(await unblockUser.execute({ userId: alice.id, blockedId: bob.id }))).toBe('OK');

    expect(codeOf(await send(fx, bob, alice.id))).toBe('OK');
    expect(codeOf(await send(fx, alice, bob.id))).toBe('OK');
    expect(await getBlocked.execute({ userId: alice.id })).toEqual([]);
    expect(await fx.friendNames(alice)).toEqual([]);
  });

  it("refuses with NOT_BLOCKED what is not blocked, someone else's block included", async () => {
    const { alice, carol, blockUser, unblockUser } = await makeSut();
    unwrap(await blockUser.execute({ userId: carol.id, blockedId: alice.id }));

    expect(codeOf(await unblockUser.execute({ userId: alice.id, blockedId: carol.id }))).toBe('NOT_BLOCKED');
    expect(codeOf(await unblockUser.execute({ userId: alice.id, blockedId: 999_999 }))).toBe('NOT_BLOCKED');
    unwrap(await unblockUser.execute({ userId: carol.id, blockedId: alice.id }));
    expect(codeOf(await unblockUser.execute({ userId: carol.id, blockedId: alice.id }))).toBe('NOT_BLOCKED');
  });

  it("refuses oneself with INVALID_INPUT, and records 'unblock' when it lifts a block", async () => {
    const { fx, alice, carol, blockUser, unblockUser } = await makeSut();
    unwrap(await blockUser.execute({ userId: alice.id, blockedId: carol.id }));

    expect(codeOf(await unblockUser.execute({ userId: alice.id, blockedId: alice.id }))).toBe('INVALID_INPUT');
    unwrap(await unblockUser.execute({ userId: alice.id, blockedId: carol.id }));

    expect(fx.activity('unblock')).toEqual([{ userId: alice.id, action: 'unblock', detail: `user=${carol.id}`, at: fx.clock.now() }]);
  });
});

describe('GetBlocked', () => {
  it('lists the blocked users by username, case-insensitively', async () => {
    const fx = makeFixture();
    const me = await fx.register('myself');
    const names = ['zoe', 'Adam', 'bea'];
    for (const name of names) {
      const user = await fx.register(name);
      unwrap(await fx.useCases.blockUser.execute({ userId: me.id, blockedId: user.id }));
    }

    expect((await fx.useCases.getBlocked.execute({ userId: me.id })).map((u) => u.username)).toEqual(['Adam', 'bea', 'zoe']);
  });
});

describe('SetPrivacy', () => {
  it("with 'friends' refuses strangers' messages with CANNOT_MESSAGE, the same as a block, and lets friends write", async () => {
    const { fx, alice, bob, carol, setPrivacy, blockUser } = await makeSut();

    expect(codeOf(await setPrivacy.execute({ userId: alice.id, privacy: 'friends' }))).toBe('OK');

    const byPrivacy = await send(fx, carol, alice.id);
    expect(codeOf(await send(fx, bob, alice.id))).toBe('OK');
    const dave = await fx.register('dave');
    unwrap(await blockUser.execute({ userId: dave.id, blockedId: carol.id }));
    const byBlock = await send(fx, carol, dave.id);
    expect(byPrivacy).toEqual(byBlock);
    expect(byPrivacy).toEqual({ ok: false, error: { code: 'CANNOT_MESSAGE' } });
  });

  it("with 'friends' still lets strangers ask to be friends, and lets them write once friends", async () => {
    const { fx, alice, carol, setPrivacy } = await makeSut();
    unwrap(await setPrivacy.execute({ userId: alice.id, privacy: 'friends' }));

    await fx.befriend(carol, alice);

    expect(codeOf(await send(fx, carol, alice.id))).toBe('OK');
  });

  it("with 'everyone' again lets anyone write", async () => {
    const { fx, alice, carol, setPrivacy } = await makeSut();
    unwrap(await setPrivacy.execute({ userId: alice.id, privacy: 'friends' }));

    unwrap(await setPrivacy.execute({ userId: alice.id, privacy: 'everyone' }));

    expect(codeOf(await send(fx, carol, alice.id))).toBe('OK');
  });

  it.each(['', 'Friends', 'nobody', 'everyone ', 'friends|everyone'])('refuses %j with INVALID_INPUT', async (privacy) => {
    const { fx, alice, carol, setPrivacy } = await makeSut();

    expect(await setPrivacy.execute({ userId: alice.id, privacy })).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', reason: 'Privacy must be everyone or friends' },
    });
    expect(codeOf(await send(fx, carol, alice.id))).toBe('OK');
  });

  it("records 'privacy' with the new setting, only when it changes", async () => {
    const { fx, alice, setPrivacy } = await makeSut();

    unwrap(await setPrivacy.execute({ userId: alice.id, privacy: 'everyone' }));
    unwrap(await setPrivacy.execute({ userId: alice.id, privacy: 'friends' }));
    unwrap(await setPrivacy.execute({ userId: alice.id, privacy: 'friends' }));

    expect(fx.activity('privacy')).toEqual([{ userId: alice.id, action: 'privacy', detail: 'privacy=friends', at: fx.clock.now() }]);
  });
});

describe('ReportUser', () => {
  const REASON = 'sends me links to a phishing site | every day';

  it('stores the report for the operator with the reporter, the reported user, the reason and the time', async () => {
    const { fx, alice, carol, reportUser } = await makeSut();

    const { reportId } = unwrap(await reportUser.execute({ reporterId: alice.id, reportedId: carol.id, reason: REASON }));

    expect(await fx.storage.repositories.reports.listReports({ limit: 10 })).toEqual([
      {
        id: reportId,
        reporterId: alice.id,
        reporterUsername: 'alice',
        reportedId: carol.id,
        reportedUsername: 'carol',
        reason: REASON,
        at: fx.clock.now(),
      },
    ]);
  });

  it("records 'report' with the report's and the user's ids, never the reason, and pushes nothing", async () => {
    const { fx, alice, carol, reportUser } = await makeSut();
    const carolOnline = await fx.logIn('carol');
    carolOnline.connection.clear();

    const { reportId } = unwrap(await reportUser.execute({ reporterId: alice.id, reportedId: carol.id, reason: REASON }));

    expect(fx.activity('report')).toEqual([
      { userId: alice.id, action: 'report', detail: `report=${reportId} user=${carol.id}`, at: fx.clock.now() },
    ]);
    expect(JSON.stringify(fx.activity())).not.toContain('phishing');
    expect(JSON.stringify(fx.logger.lines)).not.toContain('phishing');
    expect(carolOnline.connection.received).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['only whitespace', ' \t\n\u3000'],
    ['over 1,000 bytes', 'é'.repeat(500) + 'x'],
  ])('refuses a reason that is %s with INVALID_INPUT, even about an unknown user', async (_what, reason) => {
    const { fx, alice, carol, reportUser } = await makeSut();

    expect(codeOf(await reportUser.execute({ reporterId: alice.id, reportedId: carol.id, reason }))).toBe('INVALID_INPUT');
    expect(codeOf(await reportUser.execute({ reporterId: alice.id, reportedId: 999_999, reason }))).toBe('INVALID_INPUT');
    expect(await fx.storage.repositories.reports.listReports({ limit: 10 })).toEqual([]);
  });

  it('takes a reason of exactly 1,000 bytes', async () => {
    const { alice, carol, reportUser } = await makeSut();

    expect(codeOf(await reportUser.execute({ reporterId: alice.id, reportedId: carol.id, reason: '🎉'.repeat(250) }))).toBe('OK');
  });

  it('refuses oneself with INVALID_INPUT and an unknown user with USER_NOT_FOUND', async () => {
    const { alice, reportUser } = await makeSut();

    expect(await reportUser.execute({ reporterId: alice.id, reportedId: alice.id, reason: REASON })).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', reason: 'Cannot report yourself' },
    });
    expect(codeOf(await reportUser.execute({ reporterId: alice.id, reportedId: 999_999, reason: REASON }))).toBe('USER_NOT_FOUND');
  });

  it('refuses the 21st report within 24 hours with TOO_MANY_REPORTS; the window rolls', async () => {
    const { fx, alice, bob, carol, reportUser } = await makeSut();
    const report = () => reportUser.execute({ reporterId: alice.id, reportedId: carol.id, reason: REASON });
    expect(REPORT_LIMIT.max).toBe(20);
    unwrap(await report());
    for (let i = 1; i < REPORT_LIMIT.max; i++) {
      fx.clock.advance(HOUR);
      unwrap(await report());
    }

    expect(codeOf(await report())).toBe('TOO_MANY_REPORTS');
    // Others may still report.
    expect(codeOf(await reportUser.execute({ reporterId: bob.id, reportedId: carol.id, reason: REASON }))).toBe('OK');
    // 24 hours after the first report it leaves the window: one more fits, and only one.
    fx.clock.advance(24 * HOUR - (REPORT_LIMIT.max - 1) * HOUR - 1);
    expect(codeOf(await report())).toBe('TOO_MANY_REPORTS');
    fx.clock.advance(1);
    expect(codeOf(await report())).toBe('OK');
    expect(codeOf(await report())).toBe('TOO_MANY_REPORTS');
    expect(fx.activity('report')).toHaveLength(REPORT_LIMIT.max + 2);
  });
});

describe('SendDirectMessage and SendFriendRequest across a block (§3 order)', () => {
  it('answers 400 for oneself and 404 for an unknown receiver before anything about blocks', async () => {
    const { fx, alice } = await makeSut();
    unwrap(await fx.useCases.setPrivacy.execute({ userId: alice.id, privacy: 'friends' }));

    expect(codeOf(await send(fx, alice, alice.id))).toBe('INVALID_INPUT');
    expect(codeOf(await send(fx, alice, 999_999))).toBe('USER_NOT_FOUND');
    expect(codeOf(await fx.useCases.sendFriendRequest.execute({ sender: alice, targetUsername: 'nobody' }))).toBe('USER_NOT_FOUND');
  });

  it('answers CANNOT_MESSAGE to a friend request across a block even when one is pending the other way', async () => {
    const { fx, alice, carol } = await makeSut();
    unwrap(await fx.useCases.sendFriendRequest.execute({ sender: carol, targetUsername: 'alice' }));
    // The block rejected carol's request; had it not, REQUEST_PENDING would come first.
    unwrap(await fx.useCases.blockUser.execute({ userId: carol.id, blockedId: alice.id }));

    expect(codeOf(await fx.useCases.sendFriendRequest.execute({ sender: alice, targetUsername: 'carol' }))).toBe('CANNOT_MESSAGE');
  });
});
