import { codeOf, makeFixture, unwrap, type Session } from '../../support/use-case-fixtures';

/** alice (online) writes to bob; bob is registered and offline unless a test logs him in. */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.registerAndLogin('alice');
  const bob = await fx.register('bob');
  const sut = fx.useCases.sendDirectMessage;
  const send = (content: string, receiverId = bob.id) => sut.execute({ sender: alice.user, receiverId, content });
  const offlineFor = (userId = bob.id) => fx.useCases.getOfflineMessages.execute({ userId });
  return { sut, fx, alice, bob, send, offlineFor };
}

describe('SendDirectMessage', () => {
  it('pushes the message to the online receiver and resolves delivered', async () => {
    const { fx, alice, send } = await makeSut();
    const bob: Session = await fx.logIn('bob');

    const { messageId, delivered } = unwrap(await send('hello'));

    expect(messageId).toBeGreaterThan(0);
    expect(await delivered).toBe(true);
    expect(bob.connection.received).toEqual([
      { kind: 'direct-message', messageId, senderId: alice.user.id, senderUsername: 'alice', content: 'hello', sentAt: fx.clock.now() },
    ]);
  });

  it("pushes it to every one of the receiver's connections", async () => {
    const { fx, send } = await makeSut();
    const phone = await fx.logIn('bob');
    const laptop = await fx.logIn('bob');

    await unwrap(await send('hello')).delivered;

    expect(phone.connection.eventsOf('direct-message').map((e) => e.content)).toEqual(['hello']);
    expect(laptop.connection.eventsOf('direct-message').map((e) => e.content)).toEqual(['hello']);
  });

  it('does not push it to the sender', async () => {
    const { fx, alice, send } = await makeSut();
    await fx.logIn('bob');

    await unwrap(await send('hello')).delivered;

    expect(alice.connection.eventsOf('direct-message')).toEqual([]);
  });

  it('marks it delivered once a push has reached a connection, so it is not offered offline again', async () => {
    const { fx, send, offlineFor } = await makeSut();
    await fx.logIn('bob');

    await unwrap(await send('hello')).delivered;

    expect(await offlineFor()).toEqual([]);
  });

  it('counts it delivered when one connection fails and another gets it', async () => {
    const { fx, send, offlineFor } = await makeSut();
    const broken = await fx.logIn('bob');
    const working = await fx.logIn('bob');
    broken.connection.failDeliveries();

    expect(await unwrap(await send('hello')).delivered).toBe(true);
    expect(working.connection.eventsOf('direct-message')).toHaveLength(1);
    expect(await offlineFor()).toEqual([]);
  });

  it('keeps it undelivered for an offline receiver, who gets it from GetOfflineMessages', async () => {
    const { fx, alice, bob, send, offlineFor } = await makeSut();

    const { messageId, delivered } = unwrap(await send('while you were out'));

    expect(await delivered).toBe(false);
    expect(await offlineFor()).toEqual([
      {
        id: messageId,
        senderId: alice.user.id,
        senderUsername: 'alice',
        receiverId: bob.id,
        content: 'while you were out',
        sentAt: fx.clock.now(),
      },
    ]);
  });

  it("keeps it undelivered when every one of the receiver's deliveries fails", async () => {
    const { fx, send, offlineFor } = await makeSut();
    const phone = await fx.logIn('bob');
    const laptop = await fx.logIn('bob');
    phone.connection.failDeliveries();
    laptop.connection.failDeliveries();

    expect(await unwrap(await send('lost in transit')).delivered).toBe(false);
    expect((await offlineFor()).map((m) => m.content)).toEqual(['lost in transit']);
  });

  it('keeps it undelivered while the write is in flight, and when the connection closes before it completes', async () => {
    const { fx, bob, send, offlineFor } = await makeSut();
    const session = await fx.logIn('bob');
    session.connection.holdDeliveries();

    const { delivered } = unwrap(await send('in flight'));
    const waiting = await fx.storage.repositories.messages.listUndeliveredDirect(bob.id, 100);
    session.connection.close('peer reset');

    expect(waiting.map((m) => m.content)).toEqual(['in flight']);
    expect(await delivered).toBe(false);
    expect((await offlineFor()).map((m) => m.content)).toEqual(['in flight']);
  });

  it('keeps the content exactly as sent', async () => {
    const { fx, send } = await makeSut();
    const bob = await fx.logIn('bob');

    await unwrap(await send('  a|b \\ c  ')).delivered;

    expect(bob.connection.eventsOf('direct-message').map((e) => e.content)).toEqual(['  a|b \\ c  ']);
  });

  describe('content rules', () => {
    it.each([
      ['empty', ''],
      ['only spaces', '   '],
      ['only an ideographic space (U+3000)', '\u3000'],
      ['only a next-line (U+0085)', '\u0085'],
      ['only mixed Unicode whitespace', ' \t\r\n\u00A0\u2028\u3000\u0085'],
    ])('refuses content that is %s with INVALID_INPUT and stores nothing', async (_case, content) => {
      const { send, offlineFor } = await makeSut();

      expect(codeOf(await send(content))).toBe('INVALID_INPUT');
      expect(await offlineFor()).toEqual([]);
    });

    it.each([
      ['4096 ASCII bytes', 'a'.repeat(4096)],
      ['2048 two-byte characters (4096 bytes)', 'é'.repeat(2048)],
      ['1365 three-byte characters and one ASCII (4096 bytes)', '€'.repeat(1365) + 'a'],
      ['1024 emoji (4096 bytes)', '😀'.repeat(1024)],
      ['one character', 'x'],
    ])('accepts %s', async (_case, content) => {
      const { send, offlineFor } = await makeSut();

      expect(codeOf(await send(content))).toBe('OK');
      expect((await offlineFor()).map((m) => m.content)).toEqual([content]);
    });

    it.each([
      ['4097 ASCII bytes', 'a'.repeat(4097)],
      ['2048 two-byte characters and one ASCII (4097 bytes)', 'é'.repeat(2048) + 'a'],
      ['1366 three-byte characters (4098 bytes)', '€'.repeat(1366)],
      ['1024 emoji and one ASCII (4097 bytes)', '😀'.repeat(1024) + 'a'],
      ['4096 two-byte characters (4096 UTF-16 units, 8192 bytes)', 'é'.repeat(4096)],
    ])('refuses %s with INVALID_INPUT', async (_case, content) => {
      const { send, offlineFor } = await makeSut();

      expect(codeOf(await send(content))).toBe('INVALID_INPUT');
      expect(await offlineFor()).toEqual([]);
    });
  });

  it('refuses a message to yourself with INVALID_INPUT', async () => {
    const { alice, send, offlineFor } = await makeSut();

    expect(codeOf(await send('note to self', alice.user.id))).toBe('INVALID_INPUT');
    expect(await offlineFor(alice.user.id)).toEqual([]);
  });

  it('refuses an unknown receiver with USER_NOT_FOUND', async () => {
    const { send } = await makeSut();

    expect(codeOf(await send('hello?', 999_999))).toBe('USER_NOT_FOUND');
  });

  it('checks the content before the receiver (400 before 404)', async () => {
    const { send } = await makeSut();

    expect(codeOf(await send('   ', 999_999))).toBe('INVALID_INPUT');
  });

  it('does not require friendship', async () => {
    const { fx, alice, bob, send } = await makeSut();

    expect(await fx.storage.repositories.friendships.exists(alice.user.id, bob.id)).toBe(false);
    expect(codeOf(await send('hi stranger'))).toBe('OK');
  });
});
