import { PASSWORD, codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

/**
 * A request happens wholly or not at all, as the client sees it: a failure before
 * the change is stored leaves nothing behind, and a failure after it (an
 * announcement) never turns the change into an error.
 */
const outage = (): Promise<never> => Promise.reject(new Error('database hiccup'));

/** The n-th unit of work from now fails (counting from 1); the others run. */
function failUnitOfWork(fx: ReturnType<typeof makeFixture>, n: number): void {
  const { unitOfWork } = fx.storage;
  const run = unitOfWork.run.bind(unitOfWork);
  let calls = 0;
  jest.spyOn(unitOfWork, 'run').mockImplementation(((work) => (++calls === n ? outage() : run(work))) as typeof run);
}

async function openSessions(fx: ReturnType<typeof makeFixture>): Promise<number> {
  return (await fx.storage.repositories.reports.stats()).onlineUsers;
}

describe('LOGIN that fails halfway', () => {
  it('leaves no session row and no presence when listing the pending requests fails', async () => {
    const fx = makeFixture();
    const alice = await fx.register('alice');
    const bob = await fx.registerAndLogin('bob');
    await fx.befriend(bob.user, alice);
    jest.spyOn(fx.storage.repositories.friendRequests, 'listPendingFor').mockImplementationOnce(outage);
    const connection = fx.connect();

    await expect(
      fx.useCases.logIn.execute({ connectionId: connection.id, currentUserId: null, username: 'alice', password: PASSWORD }),
    ).rejects.toThrow('database hiccup');

    expect(await fx.registry.isOnline(alice.id)).toBe(false);
    expect(await openSessions(fx)).toBe(1); // bob's only
    // Nothing reaches the half-logged-in connection afterwards.
    unwrap(await fx.useCases.sendDirectMessage.execute({ sender: bob.user, receiverId: alice.id, content: 'hi' }));
    expect(connection.received).toEqual([]);
  });

  it('succeeds when telling friends fails: the login is stored, the failure is logged', async () => {
    const fx = makeFixture();
    const alice = await fx.register('alice');
    await fx.registerAndLogin('bob');
    jest.spyOn(fx.storage.repositories.friendships, 'listFriends').mockImplementationOnce(outage);

    const session = await fx.logIn('alice');

    expect(session.user).toEqual(alice);
    expect(await fx.registry.isOnline(alice.id)).toBe(true);
    expect(fx.logger.lines.some((l) => l.message === 'presence announcement failed')).toBe(true);
  });
});

describe('a stored change whose announcement fails', () => {
  it('ADD_TO_GROUP, REMOVE_FROM_GROUP and LEAVE_GROUP answer success; a retry is not needed', async () => {
    const fx = makeFixture();
    const alice = await fx.registerAndLogin('alice');
    const bob = await fx.registerAndLogin('bob');
    const groupId = await fx.createGroup(alice.user);
    const listMembers = jest.spyOn(fx.storage.repositories.groups, 'listMembers');

    listMembers.mockImplementationOnce(outage);
    expect(codeOf(await fx.useCases.addToGroup.execute({ actorId: alice.user.id, groupId, userId: bob.user.id }))).toBe('OK');
    listMembers.mockImplementationOnce(outage);
    expect(codeOf(await fx.useCases.removeFromGroup.execute({ actorId: alice.user.id, groupId, userId: bob.user.id }))).toBe('OK');
    await fx.addMembers(groupId, alice.user, bob.user);
    listMembers.mockImplementationOnce(outage);
    expect(codeOf(await fx.useCases.leaveGroup.execute({ user: bob.user, groupId }))).toBe('OK');

    expect((await fx.members(groupId)).map((m) => m.userId)).toEqual([alice.user.id]);
    expect(fx.logger.lines.filter((l) => l.message === 'membership announcement failed')).toHaveLength(3);
  });

  it('a LOGOUT whose announcement fails still ends the session', async () => {
    const fx = makeFixture();
    const alice = await fx.registerAndLogin('alice');
    jest.spyOn(fx.storage.repositories.friendships, 'listFriends').mockImplementationOnce(outage);
    await fx.endSession(alice);
    expect(await fx.registry.isOnline(alice.user.id)).toBe(false);
    expect(await openSessions(fx)).toBe(0);
  });
});

describe('a session end that fails halfway', () => {
  it('tells friends at once, and the next sweep closes the stored session', async () => {
    const fx = makeFixture();
    const alice = await fx.registerAndLogin('alice');
    const bob = await fx.registerAndLogin('bob');
    await fx.befriend(alice.user, bob.user);
    failUnitOfWork(fx, 1);

    await fx.endSession(alice, 'disconnect');

    expect(await fx.registry.isOnline(alice.user.id)).toBe(false);
    expect(bob.connection.received).toContainEqual({ kind: 'presence', userId: alice.user.id, username: 'alice', status: 'offline' });
    expect(await openSessions(fx)).toBe(2);
    expect(fx.logger.lines.some((l) => l.message === 'ending a session failed; it is finished later')).toBe(true);

    expect(await fx.useCases.endSession.finishUnfinished()).toBe(0);
    expect(await openSessions(fx)).toBe(1);
    // Told once, not again by the sweep.
    expect(bob.connection.received.filter((e) => e.kind === 'presence' && e.status === 'offline')).toHaveLength(1);
  });

  it('a presence that cannot be left is left by the sweep, which then tells friends', async () => {
    const fx = makeFixture();
    const alice = await fx.registerAndLogin('alice');
    const bob = await fx.registerAndLogin('bob');
    await fx.befriend(alice.user, bob.user);
    const detach = jest.spyOn(fx.registry, 'detach').mockImplementationOnce(outage);

    await fx.endSession(alice, 'disconnect');
    expect(await openSessions(fx)).toBe(2);

    // Still failing: kept for the next round.
    detach.mockImplementationOnce(outage);
    expect(await fx.useCases.endSession.finishUnfinished()).toBe(1);
    expect(await fx.useCases.endSession.finishUnfinished()).toBe(0);
    expect(await fx.registry.isOnline(alice.user.id)).toBe(false);
    expect(await openSessions(fx)).toBe(1);
    expect(bob.connection.received).toContainEqual({ kind: 'presence', userId: alice.user.id, username: 'alice', status: 'offline' });
  });

  it('a LOGIN whose undo fails too is cleaned up by the sweep', async () => {
    const fx = makeFixture();
    await fx.register('alice');
    jest.spyOn(fx.storage.repositories.friendRequests, 'listPendingFor').mockImplementationOnce(outage);
    // The session is stored (1st), then closing it in the undo fails (2nd).
    failUnitOfWork(fx, 2);
    await expect(fx.logIn('alice')).rejects.toThrow('database hiccup');
    expect(await openSessions(fx)).toBe(1);
    expect(await fx.useCases.endSession.finishUnfinished()).toBe(0);
    expect(await openSessions(fx)).toBe(0);
  });
});
