import { ACTIVITY_READ_LIMITS, GetStats, ListUsers, ReadActivityLog } from '../../../src/application';
import { START_TIME, codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.register('Alice');
  const bob = await fx.register('bob');
  const listUsers = new ListUsers(fx.repositories);
  const readActivityLog = new ReadActivityLog(fx.repositories);
  const getStats = new GetStats(fx.repositories);
  return { fx, alice, bob, listUsers, readActivityLog, getStats };
}

describe('ListUsers', () => {
  it('lists every account by id with its status, creation time and whether it is online', async () => {
    const { fx, alice, bob, listUsers } = await makeSut();
    fx.clock.advance(5_000);
    const carol = await fx.register('carol');
    await fx.logIn('bob');
    unwrap(await fx.useCases.setAccountStatus.execute({ username: 'carol', status: 'banned' }));

    expect(await listUsers.execute()).toEqual([
      { id: alice.id, username: 'Alice', status: 'active', online: false, createdAt: START_TIME },
      { id: bob.id, username: 'bob', status: 'active', online: true, createdAt: START_TIME },
      { id: carol.id, username: 'carol', status: 'banned', online: false, createdAt: START_TIME + 5_000 },
    ]);
  });

  it('keeps a user online until their last connection ends', async () => {
    const { fx, listUsers } = await makeSut();
    const phone = await fx.logIn('Alice');
    const laptop = await fx.logIn('Alice');
    const onlineOf = async () => (await listUsers.execute()).find((user) => user.username === 'Alice')?.online;

    await fx.endSession(phone);
    expect(await onlineOf()).toBe(true);
    await fx.endSession(laptop, 'disconnect');
    expect(await onlineOf()).toBe(false);
  });
});

describe('ReadActivityLog', () => {
  it('reads the log newest first, with the names of the users', async () => {
    const { fx, alice, bob, readActivityLog } = await makeSut();
    fx.clock.advance(1_000);
    await fx.logIn('bob');

    const entries = unwrap(await readActivityLog.execute());

    expect(entries.map(({ userId, username, action, at }) => ({ userId, username, action, at }))).toEqual([
      { userId: bob.id, username: 'bob', action: 'login', at: START_TIME + 1_000 },
      { userId: bob.id, username: 'bob', action: 'register', at: START_TIME },
      { userId: alice.id, username: 'Alice', action: 'register', at: START_TIME },
    ]);
    expect(entries[0]!.id).toBeGreaterThan(entries[1]!.id);
    expect(entries[1]!.id).toBeGreaterThan(entries[2]!.id);
  });

  it("reads one user's entries, the name in any letter case", async () => {
    const { fx, alice, readActivityLog } = await makeSut();
    await fx.logIn('bob');
    await fx.logIn('Alice');

    const entries = unwrap(await readActivityLog.execute({ username: 'ALICE' }));

    expect(entries.map((entry) => [entry.userId, entry.action])).toEqual([
      [alice.id, 'login'],
      [alice.id, 'register'],
    ]);
  });

  it('shows an entry without a user with a null name, and leaves it out of a user filter', async () => {
    const { fx, readActivityLog } = await makeSut();
    const failed = await fx.useCases.logIn.execute({
      connectionId: fx.connect().id,
      currentUserId: null,
      username: 'ghost',
      password: 'whatever-it-is',
    });
    expect(codeOf(failed)).toBe('INVALID_CREDENTIALS');

    const [newest] = unwrap(await readActivityLog.execute());
    expect(newest).toMatchObject({ userId: null, username: null, action: 'login_failed', detail: 'username=ghost' });
    expect(unwrap(await readActivityLog.execute({ username: 'bob' })).map((e) => e.action)).toEqual(['register']);
  });

  it('reads only entries at or after `since`', async () => {
    const { fx, readActivityLog } = await makeSut();
    fx.clock.advance(10_000);
    await fx.logIn('Alice');
    fx.clock.advance(10_000);
    await fx.logIn('bob');

    const since = async (at: number) => unwrap(await readActivityLog.execute({ since: at })).map((e) => e.at);

    expect(await since(START_TIME + 10_000)).toEqual([START_TIME + 20_000, START_TIME + 10_000]);
    expect(await since(START_TIME + 10_001)).toEqual([START_TIME + 20_000]);
    expect(await since(START_TIME + 20_001)).toEqual([]);
  });

  it(`reads at most \`limit\` entries, ${ACTIVITY_READ_LIMITS.default} by default`, async () => {
    const { fx, readActivityLog } = await makeSut();
    for (let i = 0; i < 60; i++) {
      await fx.repositories.activity.record({ userId: null, action: 'login_failed', detail: `n=${i}`, at: START_TIME + i });
    }

    const all = unwrap(await readActivityLog.execute());
    expect(all).toHaveLength(50);
    expect(all[0]!.detail).toBe('n=59');
    expect(unwrap(await readActivityLog.execute({ limit: 3 })).map((e) => e.detail)).toEqual(['n=59', 'n=58', 'n=57']);
    expect(unwrap(await readActivityLog.execute({ limit: 10_000 }))).toHaveLength(62);
  });

  it('combines the filters', async () => {
    const { fx, readActivityLog } = await makeSut();
    for (let i = 0; i < 5; i++) {
      fx.clock.advance(1_000);
      await fx.endSession(await fx.logIn('Alice'));
      await fx.logIn('bob');
    }

    const entries = unwrap(await readActivityLog.execute({ username: 'alice', since: START_TIME + 3_000, limit: 4 }));

    expect(entries.map((e) => [e.action, e.at - START_TIME])).toEqual([
      ['logout', 5_000],
      ['login', 5_000],
      ['logout', 4_000],
      ['login', 4_000],
    ]);
  });

  it('refuses a limit out of range, or not a whole number, with INVALID_INPUT', async () => {
    const { readActivityLog } = await makeSut();

    for (const limit of [0, -1, 1.5, ACTIVITY_READ_LIMITS.max + 1, Number.NaN]) {
      expect(codeOf(await readActivityLog.execute({ limit }))).toBe('INVALID_INPUT');
    }
    expect(codeOf(await readActivityLog.execute({ limit: 1 }))).toBe('OK');
  });

  it('refuses a `since` that is not a whole number of milliseconds with INVALID_INPUT', async () => {
    const { readActivityLog } = await makeSut();

    expect(codeOf(await readActivityLog.execute({ since: Number.NaN }))).toBe('INVALID_INPUT');
    expect(codeOf(await readActivityLog.execute({ since: 1.5 }))).toBe('INVALID_INPUT');
  });

  it('refuses an unknown user with USER_NOT_FOUND', async () => {
    const { readActivityLog } = await makeSut();

    expect(codeOf(await readActivityLog.execute({ username: 'nobody' }))).toBe('USER_NOT_FOUND');
  });
});

describe('GetStats', () => {
  it('counts nothing but the accounts in a chat where nothing happened', async () => {
    const { getStats } = await makeSut();

    expect(await getStats.execute()).toEqual({
      accounts: 2,
      bannedAccounts: 0,
      reports: 0,
      onlineUsers: 0,
      directMessagesStored: 0,
      groupMessagesStored: 0,
      pendingOfflineDirect: 0,
      pendingOfflineGroup: 0,
      unreadDirect: 0,
      unreadGroup: 0,
    });
  });

  it('counts accounts, users online, messages stored and messages waiting for offline users', async () => {
    const { fx, getStats } = await makeSut();
    const carol = await fx.register('carol');
    await fx.register('dave');
    unwrap(await fx.useCases.setAccountStatus.execute({ username: 'dave', status: 'banned' }));
    const alice = await fx.logIn('Alice');
    await fx.logIn('Alice');
    const bob = await fx.logIn('bob');
    const send = async (to: number, content: string) => {
      const { delivered } = unwrap(await fx.useCases.sendDirectMessage.execute({ sender: alice.user, receiverId: to, content }));
      await delivered;
    };
    await send(bob.user.id, 'delivered live');
    await send(carol.id, 'waits for carol');
    await send(carol.id, 'waits for carol too');
    const team = await fx.createGroup(alice.user);
    await fx.addMembers(team, alice.user, bob.user, carol);
    const { delivered } = unwrap(
      await fx.useCases.sendGroupMessage.execute({ sender: alice.user, groupId: team, content: 'hello team' }),
    );
    expect(await delivered).toBe(1);

    expect(await getStats.execute()).toEqual({
      accounts: 4,
      bannedAccounts: 1,
      reports: 0,
      onlineUsers: 2,
      directMessagesStored: 3,
      groupMessagesStored: 1,
      pendingOfflineDirect: 2,
      pendingOfflineGroup: 1,
      // Nothing was marked read: the one delivered live counts too; "hello team" for bob and carol.
      unreadDirect: 3,
      unreadGroup: 2,
    });
  });

  it('stops counting messages as unread once their receiver marks them read', async () => {
    const { fx, getStats } = await makeSut();
    const alice = await fx.logIn('Alice');
    const bob = await fx.logIn('bob');
    unwrap(await fx.useCases.sendDirectMessage.execute({ sender: alice.user, receiverId: bob.user.id, content: 'one' }));
    unwrap(await fx.useCases.sendDirectMessage.execute({ sender: alice.user, receiverId: bob.user.id, content: 'two' }));
    const team = await fx.createGroup(alice.user);
    await fx.addMembers(team, alice.user, bob.user);
    fx.clock.advance(1);
    unwrap(await fx.useCases.sendGroupMessage.execute({ sender: alice.user, groupId: team, content: 'hello team' }));
    expect(await getStats.execute()).toMatchObject({ unreadDirect: 2, unreadGroup: 1 });

    const everything = Number.MAX_SAFE_INTEGER;
    const read = (kind: 'direct' | 'group', peerId: number) =>
      fx.useCases.markRead.execute({ reader: bob.user, kind, peerId, upToMessageKey: everything });
    expect(unwrap(await read('direct', alice.user.id))).toBe(2);
    expect(unwrap(await read('group', team))).toBe(1);

    expect(await getStats.execute()).toMatchObject({ unreadDirect: 0, unreadGroup: 0 });
  });

  it('stops counting a group message as waiting for a member who left the group', async () => {
    const { fx, getStats } = await makeSut();
    const alice = await fx.logIn('Alice');
    const bob = { id: (await fx.repositories.accounts.findByUsername('bob'))!.id, username: 'bob' };
    const team = await fx.createGroup(alice.user);
    await fx.addMembers(team, alice.user, bob);
    unwrap(await fx.useCases.sendGroupMessage.execute({ sender: alice.user, groupId: team, content: 'for bob' }));
    expect((await getStats.execute()).pendingOfflineGroup).toBe(1);

    unwrap(await fx.useCases.leaveGroup.execute({ user: bob, groupId: team }));

    expect(await getStats.execute()).toMatchObject({ groupMessagesStored: 1, pendingOfflineGroup: 0 });
  });
});
