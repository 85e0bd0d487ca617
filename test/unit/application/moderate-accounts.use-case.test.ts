import { ClearStaleSessions } from '../../../src/application';
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

  it("keeps other nodes' sessions", async () => {
    const { fx, alice, bob } = await makeSut();
    await fx.logIn('Alice');
    await fx.storage.repositories.sessions.open({ userId: bob.id, connectionId: 'b-1', nodeId: 'node-b', createdAt: fx.clock.now() });
    const otherNode = new ClearStaleSessions(fx.storage.unitOfWork, fx.clock, 'node-b');

    expect(await fx.useCases.clearStaleSessions.execute()).toBe(1);
    expect(await otherNode.execute()).toBe(1);
    expect(fx.activity('disconnect').map((e) => e.userId)).toEqual([alice.id, bob.id]);
  });

  it('answers 0 when there is nothing to clear', async () => {
    const { fx } = await makeSut();

    expect(await fx.useCases.clearStaleSessions.execute()).toBe(0);
    expect(fx.activity('disconnect')).toEqual([]);
  });
});
