import { PASSWORD, codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

/** alice and bob are friends and both online; carol is online and nobody's friend. */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.registerAndLogin('alice');
  const bob = await fx.registerAndLogin('bob');
  const carol = await fx.registerAndLogin('carol');
  await fx.befriend(alice.user, bob.user);
  for (const s of [alice, bob, carol]) s.connection.clear();
  return { sut: fx.useCases.endSession, fx, alice, bob, carol };
}

describe('EndSession', () => {
  it("announces 'offline' to online friends when the user's last connection logs out", async () => {
    const { sut, alice, bob, carol } = await makeSut();

    await sut.execute({ user: alice.user, connectionId: alice.connection.id, sessionId: alice.sessionId, reason: 'logout' });

    expect(bob.connection.received).toEqual([
      { kind: 'presence', userId: alice.user.id, username: 'alice', status: 'offline' },
    ]);
    expect(carol.connection.received).toEqual([]);
  });

  it('shows the user offline to friends afterwards', async () => {
    const { fx, alice, bob } = await makeSut();

    await fx.endSession(alice);

    expect(await fx.useCases.getFriendList.execute({ userId: bob.user.id })).toEqual([
      { id: alice.user.id, username: 'alice', status: 'offline' },
    ]);
  });

  it('keeps the user online while another connection remains, and announces nothing', async () => {
    const { fx, alice, bob } = await makeSut();
    const second = await fx.logIn('alice');

    await fx.endSession(alice);

    expect(bob.connection.received).toEqual([]);
    expect(await fx.useCases.getFriendList.execute({ userId: bob.user.id })).toEqual([
      { id: alice.user.id, username: 'alice', status: 'online' },
    ]);
    const sent = unwrap(await fx.useCases.sendDirectMessage.execute({ sender: bob.user, receiverId: alice.user.id, content: 'still there?' }));
    expect(await sent.delivered).toBe(true);
    expect(second.connection.eventsOf('direct-message')).toHaveLength(1);
    expect(alice.connection.eventsOf('direct-message')).toHaveLength(0);
  });

  it("announces 'offline' when the remaining connection ends too", async () => {
    const { fx, alice, bob } = await makeSut();
    const second = await fx.logIn('alice');
    await fx.endSession(alice);

    await fx.endSession(second, 'disconnect');

    expect(bob.connection.eventsOf('presence')).toEqual([
      { kind: 'presence', userId: alice.user.id, username: 'alice', status: 'offline' },
    ]);
  });

  it("records 'logout' for a LOGOUT", async () => {
    const { fx, alice } = await makeSut();

    await fx.endSession(alice, 'logout');

    expect(fx.activity('logout')).toEqual([{ userId: alice.user.id, action: 'logout', detail: null, at: fx.clock.now() }]);
  });

  it("records 'disconnect' with its reason for a connection that closed", async () => {
    const { fx, alice } = await makeSut();

    await fx.endSession(alice, 'disconnect', 'idle timeout');

    expect(fx.activity('disconnect')).toEqual([
      { userId: alice.user.id, action: 'disconnect', detail: 'idle timeout', at: fx.clock.now() },
    ]);
  });

  it('closes the stored session', async () => {
    const { fx, alice } = await makeSut();

    await fx.endSession(alice);

    // alice's session is gone; bob's and carol's are still open on this node.
    expect(await fx.useCases.clearStaleSessions.execute()).toBe(2);
  });

  it('leaves the connection free to log in again, which announces the user online again', async () => {
    const { fx, alice, bob } = await makeSut();
    await fx.endSession(alice);
    bob.connection.clear();

    const again = await fx.useCases.logIn.execute({
      connectionId: alice.connection.id,
      currentUserId: null,
      username: 'alice',
      password: PASSWORD,
    });

    expect(codeOf(again)).toBe('OK');
    expect(bob.connection.eventsOf('presence').map((e) => e.status)).toEqual(['online']);
  });
});
