import { stored } from '../../support/stored-message';
import { PASSWORD, codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.register('Alice');
  const bob = await fx.register('bob');
  const setStatus = (username: string, status: 'active' | 'banned') =>
    fx.useCases.setAccountStatus.execute({ username, status });
  const tryLogIn = (username: string) =>
    fx.useCases.logIn.execute({ connectionId: fx.connect().id, currentUserId: null, username, password: PASSWORD });
  return { fx, alice, bob, setStatus, tryLogIn };
}

describe('SetAccountStatus', () => {
  it('bans an account, found in any letter case: it can no longer log in', async () => {
    const { fx, alice, setStatus, tryLogIn } = await makeSut();

    const result = await setStatus('alice', 'banned');

    expect(unwrap(result)).toEqual({ user: { id: alice.id, username: 'Alice' }, changed: true });
    expect((await fx.storage.repositories.accounts.findById(alice.id))?.status).toBe('banned');
    expect(codeOf(await tryLogIn('Alice'))).toBe('ACCOUNT_BANNED');
  });

  it('unbans an account: it can log in again', async () => {
    const { alice, setStatus, tryLogIn } = await makeSut();
    unwrap(await setStatus('Alice', 'banned'));

    const result = await setStatus('Alice', 'active');

    expect(unwrap(result)).toEqual({ user: { id: alice.id, username: 'Alice' }, changed: true });
    expect(codeOf(await tryLogIn('Alice'))).toBe('OK');
  });

  it('answers changed: false and records nothing when the status is already the one asked', async () => {
    const { fx, setStatus } = await makeSut();
    unwrap(await setStatus('Alice', 'banned'));

    expect(unwrap(await setStatus('Alice', 'banned')).changed).toBe(false);
    expect(unwrap(await setStatus('bob', 'active')).changed).toBe(false);
    expect(fx.activity().filter((e) => e.action === 'ban' || e.action === 'unban')).toHaveLength(1);
  });

  it('refuses an unknown user with USER_NOT_FOUND', async () => {
    const { setStatus } = await makeSut();

    expect(codeOf(await setStatus('nobody', 'banned'))).toBe('USER_NOT_FOUND');
  });

  it("records 'ban' and 'unban' in the activity log", async () => {
    const { fx, alice, setStatus } = await makeSut();

    unwrap(await setStatus('Alice', 'banned'));
    fx.clock.advance(1_000);
    unwrap(await setStatus('Alice', 'active'));

    expect(fx.activity().filter((e) => e.action === 'ban' || e.action === 'unban')).toEqual([
      { userId: alice.id, action: 'ban', detail: null, at: fx.clock.now() - 1_000 },
      { userId: alice.id, action: 'unban', detail: null, at: fx.clock.now() },
    ]);
  });
});

describe('EnforceBans', () => {
  it('closes nothing and answers 0 when nobody is online', async () => {
    const { fx, setStatus } = await makeSut();
    unwrap(await setStatus('Alice', 'banned'));

    expect(await fx.useCases.enforceBans.execute()).toBe(0);
  });

  it("closes every connection of a banned user who is online and answers how many users it closed", async () => {
    const { fx, setStatus } = await makeSut();
    const phone = await fx.logIn('Alice');
    const laptop = await fx.logIn('Alice');
    const bob = await fx.logIn('bob');
    unwrap(await setStatus('Alice', 'banned'));

    const closed = await fx.useCases.enforceBans.execute();

    expect(closed).toBe(1);
    expect(phone.connection.closeReasons).toEqual(['banned']);
    expect(laptop.connection.closeReasons).toEqual(['banned']);
    expect(bob.connection.isClosed).toBe(false);
  });

  it('leaves online users alone when nobody is banned', async () => {
    const { fx } = await makeSut();
    const alice = await fx.logIn('Alice');

    expect(await fx.useCases.enforceBans.execute()).toBe(0);
    expect(alice.connection.isClosed).toBe(false);
  });

  it('leaves an unbanned user alone', async () => {
    const { fx, setStatus } = await makeSut();
    const alice = await fx.logIn('Alice');
    unwrap(await setStatus('Alice', 'banned'));
    unwrap(await setStatus('Alice', 'active'));

    expect(await fx.useCases.enforceBans.execute()).toBe(0);
    expect(alice.connection.isClosed).toBe(false);
  });

  it('counts each banned online user once', async () => {
    const { fx, setStatus } = await makeSut();
    await fx.logIn('Alice');
    await fx.logIn('Alice');
    await fx.logIn('bob');
    unwrap(await setStatus('Alice', 'banned'));
    unwrap(await setStatus('bob', 'banned'));

    expect(await fx.useCases.enforceBans.execute()).toBe(2);
  });
});

describe('ClearStaleSessions', () => {
  it("closes this node's sessions, answers how many, and records a 'disconnect' for each", async () => {
    const { fx, alice, bob } = await makeSut();
    await fx.logIn('Alice');
    await fx.logIn('Alice');
    await fx.logIn('bob');

    const cleared = await fx.useCases.clearStaleSessions.execute();

    expect(cleared).toBe(3);
    expect(fx.activity('disconnect').map(({ userId, detail }) => ({ userId, detail }))).toEqual([
      { userId: alice.id, detail: 'server restart' },
      { userId: alice.id, detail: 'server restart' },
      { userId: bob.id, detail: 'server restart' },
    ]);
    expect(await fx.useCases.clearStaleSessions.execute()).toBe(0);
  });

  it("keeps other nodes' sessions, and clears a lost node's when asked", async () => {
    const { fx, alice, bob } = await makeSut();
    await fx.logIn('Alice');
    await fx.storage.repositories.sessions.open({ userId: bob.id, connectionId: 'b-1', nodeId: 'node-b', createdAt: fx.clock.now() });

    expect(await fx.useCases.clearStaleSessions.execute()).toBe(1);
    expect(await fx.useCases.clearStaleSessions.execute('node-b')).toBe(1);
    expect(fx.activity('disconnect').map(({ userId, detail }) => ({ userId, detail }))).toEqual([
      { userId: alice.id, detail: 'server restart' },
      { userId: bob.id, detail: 'node node-b lost' },
    ]);
  });

  it("tells a lost node's users' online friends they went offline, once per user", async () => {
    const { fx, alice, bob } = await makeSut();
    await fx.befriend(alice, bob);
    const watcher = await fx.logIn('Alice');
    for (const connectionId of ['b-1', 'b-2']) {
      await fx.storage.repositories.sessions.open({ userId: bob.id, connectionId, nodeId: 'node-b', createdAt: fx.clock.now() });
    }
    watcher.connection.clear();

    expect(await fx.useCases.clearStaleSessions.execute('node-b')).toBe(2);

    expect(watcher.connection.eventsOf('presence')).toEqual([
      { kind: 'presence', userId: bob.id, username: 'bob', status: 'offline' },
    ]);
  });

  it('says nothing of a user who is still online through another node', async () => {
    const { fx, alice, bob } = await makeSut();
    await fx.befriend(alice, bob);
    const watcher = await fx.logIn('Alice');
    await fx.logIn('bob');
    await fx.storage.repositories.sessions.open({ userId: bob.id, connectionId: 'b-1', nodeId: 'node-b', createdAt: fx.clock.now() });
    watcher.connection.clear();

    expect(await fx.useCases.clearStaleSessions.execute('node-b')).toBe(1);

    expect(watcher.connection.eventsOf('presence')).toEqual([]);
  });

  it('answers 0 when there is nothing to clear', async () => {
    const { fx } = await makeSut();

    expect(await fx.useCases.clearStaleSessions.execute()).toBe(0);
    expect(fx.activity('disconnect')).toEqual([]);
  });
});

describe('RecordDelivery', () => {
  it('marks a direct message delivered: it is no longer offline for the receiver', async () => {
    const { fx, alice, bob } = await makeSut();
    const message = stored(
      await fx.storage.repositories.messages.saveDirect({
        senderId: alice.id,
        receiverId: bob.id,
        content: 'hi',
        sentAt: fx.clock.now(),
      }),
    );
    const event = {
      kind: 'direct-message',
      messageId: message.id,
      senderId: alice.id,
      senderUsername: 'Alice',
      content: 'hi',
      sentAt: message.sentAt,
    } as const;

    await fx.useCases.recordDelivery.execute(event, [bob.id], Promise.resolve([bob.id]));

    expect(await fx.storage.repositories.messages.listUndeliveredDirect(bob.id, 10)).toEqual([]);
  });

  it('marks a group message delivered to the users named, and to no one else', async () => {
    const { fx, alice, bob } = await makeSut();
    const carol = await fx.register('carol');
    const groupId = await fx.createGroup(alice);
    await fx.addMembers(groupId, alice, bob, carol);
    const message = await fx.repositories.messages.saveGroup(
      { groupId, senderId: alice.id, content: 'all', sentAt: fx.clock.now() },
      [bob.id, carol.id],
    );
    const event = {
      kind: 'group-message',
      messageId: message.id,
      groupId,
      groupName: 'Team',
      senderId: alice.id,
      senderUsername: 'Alice',
      content: 'all',
      sentAt: message.sentAt,
    } as const;

    await fx.useCases.recordDelivery.execute(event, [bob.id], Promise.resolve([bob.id]));

    expect(fx.groupDeliveries.undeliveredRecipients(message.id)).toEqual([carol.id]);
  });

  it('records nothing for pushes that are not messages', async () => {
    const { fx, alice, bob } = await makeSut();
    await fx.storage.repositories.messages.saveDirect({ senderId: alice.id, receiverId: bob.id, content: 'hi', sentAt: fx.clock.now() });

    await fx.useCases.recordDelivery.execute(
      { kind: 'presence', userId: alice.id, username: 'Alice', status: 'online' },
      [bob.id],
      Promise.resolve([bob.id]),
    );

    expect(await fx.storage.repositories.messages.listUndeliveredDirect(bob.id, 10)).toHaveLength(1);
  });
});

describe('AnnouncePresence', () => {
  it("tells the users' online friends their status, each by name", async () => {
    const { fx, alice, bob } = await makeSut();
    const carol = await fx.register('carol');
    await fx.befriend(alice, bob);
    await fx.befriend(carol, bob);
    const watcher = await fx.logIn('bob');
    watcher.connection.clear();

    await fx.useCases.announcePresence.execute([alice.id, carol.id], 'online');

    expect(watcher.connection.eventsOf('presence')).toEqual([
      { kind: 'presence', userId: alice.id, username: 'Alice', status: 'online' },
      { kind: 'presence', userId: carol.id, username: 'carol', status: 'online' },
    ]);
  });

  it('skips ids with no account', async () => {
    const { fx, alice, bob } = await makeSut();
    await fx.befriend(alice, bob);
    const watcher = await fx.logIn('bob');
    watcher.connection.clear();

    await fx.useCases.announcePresence.execute([999], 'offline');

    expect(watcher.connection.received).toEqual([]);
  });
});
