import {
  LOGIN_MAX_FAILURES,
  LOGIN_WINDOW_MS,
  PASSWORD,
  codeOf,
  makeFixture,
  unwrap,
  type RecordingConnection,
} from '../../support/use-case-fixtures';

function makeSut() {
  const fx = makeFixture();
  const sut = fx.useCases.logIn;
  /** One LOGIN on a fresh connection (or the one given). */
  const attempt = (username: string, password: string, connection: RecordingConnection = fx.connect()) =>
    sut.execute({ connectionId: connection.id, currentUserId: null, username, password });
  return { sut, fx, attempt };
}

describe('LogIn', () => {
  it('logs the user in, looked up in any letter case, and returns them as registered', async () => {
    const { fx, attempt } = makeSut();
    const alice = await fx.register('Alice');

    const result = await attempt('aLiCe', PASSWORD);

    const { user, sessionId } = unwrap(result);
    expect(user).toEqual({ id: alice.id, username: 'Alice' });
    expect(sessionId).toBeGreaterThan(0);
    expect(await fx.registry.isOnline(alice.id)).toBe(true);
  });

  it('returns the pending requests addressed to the user, oldest first, and only those', async () => {
    const { fx, attempt } = makeSut();
    const dave = await fx.register('dave');
    const bob = await fx.register('bob');
    const carol = await fx.register('carol');
    const erin = await fx.register('erin');
    await fx.register('frank');
    const send = (sender: typeof bob, target: string) =>
      fx.useCases.sendFriendRequest.execute({ sender, targetUsername: target });
    const fromCarol = unwrap(await send(carol, 'dave'));
    fx.clock.advance(1_000);
    const fromBob = unwrap(await send(bob, 'dave'));
    fx.clock.advance(1_000);
    const fromErin = unwrap(await send(erin, 'dave'));
    unwrap(await fx.useCases.answerFriendRequest.execute({ user: dave, requestId: fromErin.requestId, answer: 'reject' }));
    unwrap(await send(dave, 'frank')); // outgoing: not for dave to answer

    const { pendingRequests } = unwrap(await attempt('dave', PASSWORD));

    expect(pendingRequests).toEqual([
      { id: fromCarol.requestId, senderId: carol.id, senderUsername: 'carol', createdAt: fx.clock.now() - 2_000 },
      { id: fromBob.requestId, senderId: bob.id, senderUsername: 'bob', createdAt: fx.clock.now() - 1_000 },
    ]);
  });

  it('returns the pending requests at every login, so each device sees them', async () => {
    const { fx, attempt } = makeSut();
    const bob = await fx.register('bob');
    await fx.register('dave');
    unwrap(await fx.useCases.sendFriendRequest.execute({ sender: bob, targetUsername: 'dave' }));

    const first = unwrap(await attempt('dave', PASSWORD));
    const second = unwrap(await attempt('dave', PASSWORD));

    expect(first.pendingRequests.map((r) => r.senderUsername)).toEqual(['bob']);
    expect(second.pendingRequests.map((r) => r.senderUsername)).toEqual(['bob']);
  });

  it('refuses a wrong password with INVALID_CREDENTIALS and leaves the user offline', async () => {
    const { fx, attempt } = makeSut();
    const alice = await fx.register('alice');

    const result = await attempt('alice', 'wrong password');

    expect(codeOf(result)).toBe('INVALID_CREDENTIALS');
    expect(await fx.registry.isOnline(alice.id)).toBe(false);
  });

  it('refuses an unknown user with INVALID_CREDENTIALS', async () => {
    const { attempt } = makeSut();

    expect(codeOf(await attempt('nobody', PASSWORD))).toBe('INVALID_CREDENTIALS');
  });

  it.each([
    ['a username too short', 'al', PASSWORD],
    ['a username with a space', 'ali ce', PASSWORD],
    ['a username too long', 'a'.repeat(33), PASSWORD],
    ['a password too short', 'alice', 'short12'],
    ['a password too long', 'alice', 'p'.repeat(129)],
    ['an empty password', 'alice', ''],
  ])('answers %s with INVALID_CREDENTIALS, not INVALID_INPUT', async (_case, username, password) => {
    const { fx, attempt } = makeSut();
    await fx.register('alice');

    expect(codeOf(await attempt(username, password))).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a banned account with the right password as ACCOUNT_BANNED', async () => {
    const { fx, attempt } = makeSut();
    const alice = await fx.register('alice');
    unwrap(await fx.useCases.setAccountStatus.execute({ username: 'alice', status: 'banned' }));

    expect(codeOf(await attempt('alice', PASSWORD))).toBe('ACCOUNT_BANNED');
    expect(await fx.registry.isOnline(alice.id)).toBe(false);
  });

  it('answers a banned account with a wrong password as INVALID_CREDENTIALS (a ban is not revealed)', async () => {
    const { fx, attempt } = makeSut();
    await fx.register('alice');
    unwrap(await fx.useCases.setAccountStatus.execute({ username: 'alice', status: 'banned' }));

    expect(codeOf(await attempt('alice', 'wrong password'))).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a second login on a connection that is logged in with ALREADY_LOGGED_IN', async () => {
    const { sut, fx } = makeSut();
    const alice = await fx.registerAndLogin('alice');
    await fx.register('bob');

    const result = await sut.execute({
      connectionId: alice.connection.id,
      currentUserId: alice.user.id,
      username: 'bob',
      password: PASSWORD,
    });

    expect(codeOf(result)).toBe('ALREADY_LOGGED_IN');
    expect(fx.activity('login')).toHaveLength(1);
  });

  describe('repeated failures', () => {
    async function failRepeatedly(attempt: ReturnType<typeof makeSut>['attempt'], username: string, times: number) {
      const codes: string[] = [];
      for (let i = 0; i < times; i++) codes.push(codeOf(await attempt(username, 'wrong password')));
      return codes;
    }

    it(`answers TOO_MANY_ATTEMPTS after ${LOGIN_MAX_FAILURES} failures, even with the right password`, async () => {
      const { fx, attempt } = makeSut();
      const alice = await fx.register('alice');

      const codes = await failRepeatedly(attempt, 'alice', LOGIN_MAX_FAILURES);

      expect(codes).toEqual(Array(LOGIN_MAX_FAILURES).fill('INVALID_CREDENTIALS'));
      expect(codeOf(await attempt('alice', PASSWORD))).toBe('TOO_MANY_ATTEMPTS');
      expect(await fx.registry.isOnline(alice.id)).toBe(false);
    });

    it('lets the user in again once the window has passed', async () => {
      const { fx, attempt } = makeSut();
      await fx.register('alice');
      await failRepeatedly(attempt, 'alice', LOGIN_MAX_FAILURES);

      fx.clock.advance(LOGIN_WINDOW_MS - 1);
      expect(codeOf(await attempt('alice', PASSWORD))).toBe('TOO_MANY_ATTEMPTS');
      fx.clock.advance(1);
      expect(codeOf(await attempt('alice', PASSWORD))).toBe('OK');
    });

    it('counts failures per username in any letter case', async () => {
      const { fx, attempt } = makeSut();
      await fx.register('alice');

      await failRepeatedly(attempt, 'ALICE', LOGIN_MAX_FAILURES);

      expect(codeOf(await attempt('alice', PASSWORD))).toBe('TOO_MANY_ATTEMPTS');
    });

    it("does not block other usernames", async () => {
      const { fx, attempt } = makeSut();
      await fx.register('alice');
      await fx.register('bob');

      await failRepeatedly(attempt, 'alice', LOGIN_MAX_FAILURES);

      expect(codeOf(await attempt('bob', PASSWORD))).toBe('OK');
    });

    it('counts consecutive failures only: a success starts the count again', async () => {
      const { fx, attempt } = makeSut();
      await fx.register('alice');

      await failRepeatedly(attempt, 'alice', LOGIN_MAX_FAILURES - 1);
      expect(codeOf(await attempt('alice', PASSWORD))).toBe('OK');
      await failRepeatedly(attempt, 'alice', LOGIN_MAX_FAILURES - 1);

      expect(codeOf(await attempt('alice', PASSWORD))).toBe('OK');
    });

    it(`lets no more than ${LOGIN_MAX_FAILURES} wrong passwords be checked, however many arrive at once`, async () => {
      const { fx, attempt } = makeSut();
      await fx.register('alice');

      // Many connections guessing in parallel: each attempt is in flight before any has failed.
      const codes = (await Promise.all(Array.from({ length: 30 }, () => attempt('alice', 'wrong password')))).map(codeOf);

      expect(codes.filter((c) => c === 'INVALID_CREDENTIALS').length).toBeLessThanOrEqual(LOGIN_MAX_FAILURES);
      expect(codes.filter((c) => c !== 'INVALID_CREDENTIALS').every((c) => c === 'TOO_MANY_ATTEMPTS')).toBe(true);
    });

    it('counts malformed attempts too', async () => {
      const { fx, attempt } = makeSut();
      await fx.register('alice');

      for (let i = 0; i < LOGIN_MAX_FAILURES; i++) await attempt('alice', 'short');

      expect(codeOf(await attempt('alice', PASSWORD))).toBe('TOO_MANY_ATTEMPTS');
    });
  });

  describe('presence', () => {
    it("announces 'online' to the user's online friends only", async () => {
      const { fx, attempt } = makeSut();
      const alice = await fx.register('alice');
      const bob = await fx.registerAndLogin('bob'); // friend, online
      const carol = await fx.registerAndLogin('carol'); // friend, gone offline
      const dave = await fx.registerAndLogin('dave'); // online, not a friend
      await fx.befriend(alice, bob.user);
      await fx.befriend(alice, carol.user);
      await fx.endSession(carol);
      for (const s of [bob, carol, dave]) s.connection.clear();

      unwrap(await attempt('alice', PASSWORD));

      expect(bob.connection.received).toEqual([
        { kind: 'presence', userId: alice.id, username: 'alice', status: 'online' },
      ]);
      expect(carol.connection.received).toEqual([]);
      expect(dave.connection.received).toEqual([]);
    });

    it('does not announce again when the user logs in on a second connection', async () => {
      const { fx, attempt } = makeSut();
      const alice = await fx.register('alice');
      const bob = await fx.registerAndLogin('bob');
      await fx.befriend(alice, bob.user);
      unwrap(await attempt('alice', PASSWORD));
      expect(bob.connection.eventsOf('presence')).toHaveLength(1);
      bob.connection.clear();

      unwrap(await attempt('alice', PASSWORD));

      expect(bob.connection.received).toEqual([]);
    });

    it('a second connection receives pushes as well as the first', async () => {
      const { fx, attempt } = makeSut();
      const alice = await fx.register('alice');
      const bob = await fx.registerAndLogin('bob');
      const first = fx.connect();
      const second = fx.connect();
      unwrap(await attempt('alice', PASSWORD, first));
      unwrap(await attempt('alice', PASSWORD, second));

      const sent = unwrap(await fx.useCases.sendDirectMessage.execute({ sender: bob.user, receiverId: alice.id, content: 'hi' }));
      await sent.delivered;

      expect(first.eventsOf('direct-message').map((e) => e.content)).toEqual(['hi']);
      expect(second.eventsOf('direct-message').map((e) => e.content)).toEqual(['hi']);
    });
  });

  describe('activity log', () => {
    it("records 'login' with where it came from", async () => {
      const { sut, fx } = makeSut();
      const alice = await fx.register('alice');
      const connection = fx.connect();

      unwrap(
        await sut.execute({
          connectionId: connection.id,
          currentUserId: null,
          username: 'alice',
          password: PASSWORD,
          remoteAddress: '10.0.0.7',
        }),
      );

      expect(fx.activity('login')).toEqual([
        { userId: alice.id, action: 'login', detail: 'from=10.0.0.7', at: fx.clock.now() },
      ]);
    });

    it("records 'login_failed' for a wrong password, an unknown user, malformed credentials and a ban", async () => {
      const { fx, attempt } = makeSut();
      const alice = await fx.register('alice');
      const bob = await fx.register('bob');
      unwrap(await fx.useCases.setAccountStatus.execute({ username: 'bob', status: 'banned' }));

      await attempt('alice', 'wrong password');
      await attempt('nobody', 'wrong password');
      await attempt('alice', 'short');
      await attempt('bob', PASSWORD);

      expect(fx.activity('login_failed').map(({ userId, detail }) => ({ userId, detail }))).toEqual([
        { userId: alice.id, detail: 'username=alice' },
        { userId: null, detail: 'username=nobody' },
        { userId: null, detail: 'malformed credentials' },
        { userId: bob.id, detail: 'banned' },
      ]);
      expect(fx.activity('login')).toEqual([]);
    });

    it('never writes a password into the log', async () => {
      const { fx, attempt } = makeSut();
      await fx.register('alice');

      await attempt('alice', 'the wrong secret');
      await attempt('alice', PASSWORD);

      const details = fx.activity().map((entry) => entry.detail ?? '');
      expect(details.some((d) => d.includes('the wrong secret') || d.includes(PASSWORD))).toBe(false);
    });
  });
});
