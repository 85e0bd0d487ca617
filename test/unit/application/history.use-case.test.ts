import { messageKey, type MessageKind } from '../../../src/domain';
import { codeOf, makeFixture, unwrap, type Session } from '../../support/use-case-fixtures';

const EVERYTHING = Number.MAX_SAFE_INTEGER;

/** alice and bob online, carol registered; a group of alice's with bob in it. */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.registerAndLogin('alice');
  const bob = await fx.registerAndLogin('bob');
  const carol = await fx.register('carol');
  const groupId = await fx.createGroup(alice.user, 'Team');
  await fx.addMembers(groupId, alice.user, bob.user);
  fx.clock.advance(1);

  const sendDirect = async (from: Session, to: Session, content: string): Promise<number> => {
    const sent = unwrap(await fx.useCases.sendDirectMessage.execute({ sender: from.user, receiverId: to.user.id, content }));
    await sent.delivered;
    fx.clock.advance(1);
    return messageKey('direct', sent.messageId);
  };
  const sendGroup = async (from: Session, content: string): Promise<number> => {
    const sent = unwrap(await fx.useCases.sendGroupMessage.execute({ sender: from.user, groupId, content }));
    fx.clock.advance(1);
    return messageKey('group', sent.messageId);
  };
  const history = (user: Session, kind: MessageKind, peerId: number, beforeMessageKey = 0, limit = 100) =>
    fx.useCases.getHistory.execute({ userId: user.user.id, kind, peerId, beforeMessageKey, limit });
  const markRead = (reader: Session, kind: MessageKind, peerId: number, upToMessageKey: number) =>
    fx.useCases.markRead.execute({ reader: reader.user, kind, peerId, upToMessageKey });
  const inbox = (user: Session, beforeLastMessageKey: number | null = null) =>
    fx.useCases.getConversations.execute({ userId: user.user.id, beforeLastMessageKey });
  return { fx, alice, bob, carol, groupId, sendDirect, sendGroup, history, markRead, inbox };
}

describe('GetHistory', () => {
  it('refuses a limit outside 1 to 100', async () => {
    const { bob, alice, history } = await makeSut();
    for (const limit of [0, 101, 1.5, -1]) {
      expect(codeOf(await history(bob, 'direct', alice.user.id, 0, limit))).toBe('INVALID_INPUT');
    }
    expect(codeOf(await history(bob, 'direct', alice.user.id, 0, 100))).toBe('OK');
  });

  it('answers user not found for an unknown peer, group not found for a group the caller is not in', async () => {
    const { fx, bob, history, groupId, carol } = await makeSut();
    expect(codeOf(await history(bob, 'direct', 9_999))).toBe('USER_NOT_FOUND');
    expect(codeOf(await history(bob, 'group', 9_999))).toBe('GROUP_NOT_FOUND');
    const carolSession = await fx.logIn(carol.username);
    expect(codeOf(await history(carolSession, 'group', groupId))).toBe('GROUP_NOT_FOUND');
  });

  it('pages by client id: before a message means strictly older ones, and an empty page at the start', async () => {
    const { alice, bob, sendDirect, history } = await makeSut();
    const first = await sendDirect(alice, bob, 'one');
    const second = await sendDirect(bob, alice, 'two');
    await sendDirect(alice, bob, 'three');

    const page = unwrap(await history(bob, 'direct', alice.user.id, 0, 2));
    expect(page.map((m) => m.content)).toEqual(['three', 'two']);
    expect(unwrap(await history(bob, 'direct', alice.user.id, second)).map((m) => m.content)).toEqual(['one']);
    expect(unwrap(await history(bob, 'direct', alice.user.id, first))).toEqual([]);
    // With oneself there is no conversation.
    expect(unwrap(await history(bob, 'direct', bob.user.id))).toEqual([]);
  });

  it('shows whether the receiver has read each direct message, and the viewer each group message', async () => {
    const { alice, bob, groupId, sendDirect, sendGroup, history, markRead } = await makeSut();
    const first = await sendDirect(alice, bob, 'one');
    await sendDirect(alice, bob, 'two');
    await sendGroup(alice, 'hello team');
    await sendGroup(bob, 'hi');
    unwrap(await markRead(bob, 'direct', alice.user.id, first));

    expect(unwrap(await history(alice, 'direct', bob.user.id)).map((m) => [m.content, m.read])).toEqual([
      ['two', false],
      ['one', true],
    ]);
    expect(unwrap(await history(bob, 'group', groupId)).map((m) => [m.content, m.read])).toEqual([
      ['hi', true],
      ['hello team', false],
    ]);
  });
});

describe('MarkRead', () => {
  it('marks up to the message, returns how many changed, and pushes one receipt to the sender', async () => {
    const { alice, bob, sendDirect, markRead, fx } = await makeSut();
    const phone = await fx.logIn('alice');
    await sendDirect(alice, bob, 'one');
    const second = await sendDirect(alice, bob, 'two');
    await sendDirect(alice, bob, 'three');

    expect(unwrap(await markRead(bob, 'direct', alice.user.id, second))).toBe(2);
    const receipt = {
      kind: 'messages-read',
      readerId: bob.user.id,
      readerUsername: 'bob',
      upToMessageKey: second,
      readAt: fx.clock.now(),
    };
    await new Promise(setImmediate);
    expect(alice.connection.eventsOf('messages-read')).toEqual([receipt]);
    expect(phone.connection.eventsOf('messages-read')).toEqual([receipt]);
    expect(bob.connection.eventsOf('messages-read')).toEqual([]);
  });

  it('marks everything for an id beyond the newest, and pushes nothing when nothing changed', async () => {
    const { alice, bob, sendDirect, markRead } = await makeSut();
    await sendDirect(alice, bob, 'one');
    const last = await sendDirect(alice, bob, 'two');

    expect(unwrap(await markRead(bob, 'direct', alice.user.id, EVERYTHING))).toBe(2);
    expect(unwrap(await markRead(bob, 'direct', alice.user.id, EVERYTHING))).toBe(0);
    expect(unwrap(await markRead(bob, 'direct', alice.user.id, last))).toBe(0);
    await new Promise(setImmediate);
    expect(alice.connection.eventsOf('messages-read').map((e) => e.upToMessageKey)).toEqual([last]);
  });

  it('counts only messages sent to the reader', async () => {
    const { alice, bob, groupId, sendDirect, sendGroup, markRead } = await makeSut();
    await sendDirect(bob, alice, 'from bob');
    await sendGroup(bob, 'bob to the group');
    expect(unwrap(await markRead(bob, 'direct', alice.user.id, EVERYTHING))).toBe(0);
    expect(unwrap(await markRead(bob, 'group', groupId, EVERYTHING))).toBe(0);
    expect(unwrap(await markRead(alice, 'group', groupId, EVERYTHING))).toBe(1);
  });

  it('marks read messages delivered: they are not fetched offline afterwards', async () => {
    const { fx, alice, bob, sendDirect, markRead } = await makeSut();
    await fx.endSession(bob);
    await sendDirect(alice, bob, 'while away');
    expect(unwrap(await markRead(bob, 'direct', alice.user.id, EVERYTHING))).toBe(1);
    expect((await fx.useCases.getOfflineMessages.execute({ userId: bob.user.id })).map((m) => m.content)).toEqual([]);
  });

  it('answers user not found and group not found as GET_HISTORY does; no receipt for a group', async () => {
    const { fx, alice, bob, carol, groupId, sendGroup, markRead } = await makeSut();
    expect(codeOf(await markRead(bob, 'direct', 9_999, EVERYTHING))).toBe('USER_NOT_FOUND');
    expect(codeOf(await markRead(bob, 'group', 9_999, EVERYTHING))).toBe('GROUP_NOT_FOUND');
    const carolSession = await fx.logIn(carol.username);
    expect(codeOf(await markRead(carolSession, 'group', groupId, EVERYTHING))).toBe('GROUP_NOT_FOUND');
    await sendGroup(alice, 'hello');
    expect(unwrap(await markRead(bob, 'group', groupId, EVERYTHING))).toBe(1);
    await new Promise(setImmediate);
    expect(alice.connection.eventsOf('messages-read')).toEqual([]);
  });

  it('keeps the read state when the receipt cannot be pushed, and logs it', async () => {
    const { fx, alice, bob, sendDirect, markRead, history } = await makeSut();
    await sendDirect(alice, bob, 'one');
    const failing = new Error('link down');
    jestSpyOnPush(fx, failing);
    const logged = fx.logger.next('read receipt push failed');
    expect(unwrap(await markRead(bob, 'direct', alice.user.id, EVERYTHING))).toBe(1);
    expect((await logged).level).toBe('error');
    expect(unwrap(await history(alice, 'direct', bob.user.id)).map((m) => m.read)).toEqual([true]);
  });
});

/** Makes every push of the fixture's delivery reject with `error`. */
function jestSpyOnPush(fx: ReturnType<typeof makeFixture>, error: Error): void {
  jest.spyOn(fx.registry, 'push').mockRejectedValue(error);
}

describe('GetConversations', () => {
  it('lists conversations newest activity first, with unread counts, and pages after a given last message', async () => {
    const { alice, bob, groupId, sendDirect, sendGroup, markRead, inbox } = await makeSut();
    await sendDirect(bob, alice, 'from bob');
    await sendGroup(bob, 'to the team');
    const latest = await sendDirect(bob, alice, 'bob again');

    const first = await inbox(alice);
    expect(first.map((c) => [c.kind, c.peerId, c.name, c.unreadCount])).toEqual([
      ['direct', bob.user.id, 'bob', 2],
      ['group', groupId, 'Team', 1],
    ]);
    expect(messageKey(first[0]!.kind, first[0]!.lastMessageId)).toBe(latest);

    unwrap(await markRead(alice, 'direct', bob.user.id, latest));
    expect((await inbox(alice)).map((c) => c.unreadCount)).toEqual([0, 1]);
    expect((await inbox(alice, latest)).map((c) => c.kind)).toEqual(['group']);
  });

  it('pages nothing after an id that names no message (1), or a message the caller has no part in', async () => {
    const { fx, alice, bob, sendDirect, inbox, carol } = await makeSut();
    const latest = await sendDirect(bob, alice, 'hello');
    expect(await inbox(alice, 1)).toEqual([]);
    const carolSession = await fx.logIn(carol.username);
    expect(await inbox(carolSession, latest)).toEqual([]);
  });
});
