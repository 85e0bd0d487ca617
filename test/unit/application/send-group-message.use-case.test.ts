import { codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

/**
 * "Team": alice (admin, online), bob (member, online), carol (member, offline).
 * dave is online and not a member.
 */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.registerAndLogin('alice');
  const bob = await fx.registerAndLogin('bob');
  const carol = await fx.register('carol');
  const dave = await fx.registerAndLogin('dave');
  const groupId = await fx.createGroup(alice.user, 'Team');
  await fx.addMembers(groupId, alice.user, bob.user, carol);
  // Only what the message itself pushes matters here, not the membership news.
  for (const member of [alice, bob, dave]) member.connection.clear();
  const sut = fx.useCases.sendGroupMessage;
  const send = (content: string, sender = alice.user, toGroup = groupId) =>
    sut.execute({ sender, groupId: toGroup, content });
  return { sut, fx, alice, bob, carol, dave, groupId, send };
}

describe('SendGroupMessage', () => {
  it('pushes the message to every member but the sender', async () => {
    const { fx, alice, bob, dave, groupId, send } = await makeSut();

    const { messageId, delivered } = unwrap(await send('hello team'));

    expect(await delivered).toBe(1);
    expect(bob.connection.received).toEqual([
      {
        kind: 'group-message',
        messageId,
        groupId,
        groupName: 'Team',
        senderId: alice.user.id,
        senderUsername: 'alice',
        content: 'hello team',
        sentAt: fx.clock.now(),
      },
    ]);
    expect(alice.connection.received).toEqual([]);
    expect(dave.connection.received).toEqual([]);
  });

  it("pushes it to every one of a member's connections", async () => {
    const { fx, bob, send } = await makeSut();
    const bobsLaptop = await fx.logIn('bob');

    await unwrap(await send('hello team')).delivered;

    expect(bob.connection.eventsOf('group-message')).toHaveLength(1);
    expect(bobsLaptop.connection.eventsOf('group-message')).toHaveLength(1);
  });

  it('marks it delivered for the members it reached and leaves it undelivered for offline members', async () => {
    const { fx, carol, send } = await makeSut();

    const { messageId, delivered } = unwrap(await send('hello team'));
    await delivered;

    expect(fx.groupDeliveries.undeliveredRecipients(messageId)).toEqual([carol.id]);
  });

  it('leaves it undelivered for an online member whose deliveries all fail', async () => {
    const { fx, bob, carol, send } = await makeSut();
    bob.connection.failDeliveries();

    const { messageId, delivered } = unwrap(await send('hello team'));

    expect(await delivered).toBe(0);
    expect(fx.groupDeliveries.undeliveredRecipients(messageId)).toEqual([bob.user.id, carol.id].sort((a, b) => a - b));
  });

  it('may be sent by any member, not only admins', async () => {
    const { alice, bob, send } = await makeSut();

    const { delivered } = unwrap(await send('from a member', bob.user));

    expect(await delivered).toBe(1);
    expect(alice.connection.eventsOf('group-message').map((e) => e.senderUsername)).toEqual(['bob']);
  });

  it('is fine in a group where the sender is alone', async () => {
    const { fx, dave, send } = await makeSut();
    const solo = await fx.createGroup(dave.user, 'Solo');

    const { delivered } = unwrap(await send('echo?', dave.user, solo));

    expect(await delivered).toBe(0);
  });

  it('refuses an unknown group with GROUP_NOT_FOUND', async () => {
    const { send, alice } = await makeSut();

    expect(codeOf(await send('hello', alice.user, 999_999))).toBe('GROUP_NOT_FOUND');
  });

  it('refuses a sender who is not a member with NOT_A_MEMBER and pushes nothing', async () => {
    const { bob, dave, send } = await makeSut();

    expect(codeOf(await send('let me in', dave.user))).toBe('NOT_A_MEMBER');
    expect(bob.connection.received).toEqual([]);
  });

  it('refuses a member who was removed with NOT_A_MEMBER', async () => {
    const { fx, alice, bob, groupId, send } = await makeSut();
    unwrap(await fx.useCases.removeFromGroup.execute({ actorId: alice.user.id, groupId, userId: bob.user.id }));

    expect(codeOf(await send('still here?', bob.user))).toBe('NOT_A_MEMBER');
  });

  it('reaches a member added later, and no longer one who left', async () => {
    const { fx, alice, bob, dave, groupId, send } = await makeSut();
    await fx.addMembers(groupId, alice.user, dave.user);
    unwrap(await fx.useCases.leaveGroup.execute({ user: bob.user, groupId }));

    await unwrap(await send('roll call')).delivered;

    expect(dave.connection.eventsOf('group-message')).toHaveLength(1);
    expect(bob.connection.eventsOf('group-message')).toHaveLength(0);
  });

  describe('content rules', () => {
    it.each([
      ['empty', ''],
      ['only whitespace', ' \t\u3000\u0085'],
      ['4097 bytes', 'a'.repeat(4097)],
      ['4097 bytes of multibyte text', 'é'.repeat(2048) + 'a'],
    ])('refuses content that is %s with INVALID_INPUT and pushes nothing', async (_case, content) => {
      const { bob, send } = await makeSut();

      expect(codeOf(await send(content))).toBe('INVALID_INPUT');
      expect(bob.connection.received).toEqual([]);
    });

    it('accepts 4096 bytes', async () => {
      const { bob, send } = await makeSut();

      await unwrap(await send('😀'.repeat(1024))).delivered;

      expect(bob.connection.eventsOf('group-message').map((e) => e.content)).toEqual(['😀'.repeat(1024)]);
    });

    it('checks the content before the group (400 before 404)', async () => {
      const { alice, send } = await makeSut();

      expect(codeOf(await send('', alice.user, 999_999))).toBe('INVALID_INPUT');
    });
  });
});
