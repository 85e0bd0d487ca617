import type { GroupId, UserRef } from '../../../src/domain';
import { codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

/** alice, Bob, carol and Dave are registered, in that order; nobody is logged in or in a group. */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.register('alice');
  const bob = await fx.register('Bob');
  const carol = await fx.register('carol');
  const dave = await fx.register('Dave');
  const groupsOf = (user: UserRef) => fx.useCases.getGroups.execute({ userId: user.id });
  const membersOf = (user: UserRef, groupId: GroupId) =>
    fx.useCases.getGroupMembers.execute({ userId: user.id, groupId });
  const remove = async (admin: UserRef, groupId: GroupId, user: UserRef) =>
    unwrap(await fx.useCases.removeFromGroup.execute({ actorId: admin.id, groupId, userId: user.id }));
  const leave = async (user: UserRef, groupId: GroupId) =>
    unwrap(await fx.useCases.leaveGroup.execute({ user, groupId }));
  return { fx, alice, bob, carol, dave, groupsOf, membersOf, remove, leave };
}

const UNKNOWN_GROUP = 999_999;

describe('GetGroups', () => {
  it('returns an empty list for a user in no group', async () => {
    const { alice, groupsOf } = await makeSut();

    expect(await groupsOf(alice)).toEqual([]);
  });

  it("lists the caller's groups by group id, with name, the caller's role and the member count", async () => {
    const { fx, alice, bob, carol, groupsOf } = await makeSut();
    const first = await fx.createGroup(bob, 'First');
    const second = await fx.createGroup(carol, 'Second');
    const third = await fx.createGroup(alice, 'Third');
    // alice joins the first group last, so neither joining order nor role orders the list.
    await fx.addMembers(second, carol, alice, bob);
    await fx.addMembers(first, bob, alice);

    expect(await groupsOf(alice)).toEqual([
      { groupId: first, groupName: 'First', role: 'member', memberCount: 2 },
      { groupId: second, groupName: 'Second', role: 'member', memberCount: 3 },
      { groupId: third, groupName: 'Third', role: 'admin', memberCount: 1 },
    ]);
    expect(await groupsOf(bob)).toEqual([
      { groupId: first, groupName: 'First', role: 'admin', memberCount: 2 },
      { groupId: second, groupName: 'Second', role: 'member', memberCount: 3 },
    ]);
  });

  it('leaves out groups the caller is not in', async () => {
    const { fx, alice, bob, groupsOf } = await makeSut();
    await fx.createGroup(alice, 'Private');
    const shared = await fx.createGroup(alice, 'Shared');
    await fx.addMembers(shared, alice, bob);

    expect((await groupsOf(bob)).map((g) => g.groupId)).toEqual([shared]);
  });

  it('shows the member count right after each add, removal and departure', async () => {
    const { fx, alice, bob, carol, dave, groupsOf, remove, leave } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    const count = async () => (await groupsOf(alice))[0]?.memberCount;

    expect(await count()).toBe(1);
    await fx.addMembers(groupId, alice, bob, carol, dave);
    expect(await count()).toBe(4);
    await remove(alice, groupId, carol);
    expect(await count()).toBe(3);
    await leave(bob, groupId);
    expect(await count()).toBe(2);
    expect((await groupsOf(dave))[0]?.memberCount).toBe(2);
  });

  it('drops a group the caller left, and one they were removed from', async () => {
    const { fx, alice, bob, groupsOf, remove, leave } = await makeSut();
    const left = await fx.createGroup(alice, 'Left');
    const removedFrom = await fx.createGroup(alice, 'Removed');
    const kept = await fx.createGroup(alice, 'Kept');
    await fx.addMembers(left, alice, bob);
    await fx.addMembers(removedFrom, alice, bob);
    await fx.addMembers(kept, alice, bob);

    await leave(bob, left);
    await remove(alice, removedFrom, bob);

    expect((await groupsOf(bob)).map((g) => g.groupName)).toEqual(['Kept']);
    expect((await groupsOf(alice)).map((g) => [g.groupName, g.memberCount])).toEqual([
      ['Left', 1],
      ['Removed', 1],
      ['Kept', 2],
    ]);
  });

  it('shows the new role of a member who became admin when the last admin left', async () => {
    const { fx, alice, bob, carol, groupsOf, leave } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    await fx.addMembers(groupId, alice, bob, carol);

    await leave(alice, groupId);

    expect(await groupsOf(alice)).toEqual([]);
    expect(await groupsOf(bob)).toEqual([{ groupId, groupName: 'Team', role: 'admin', memberCount: 2 }]);
    expect((await groupsOf(carol))[0]?.role).toBe('member');
  });
});

describe('GetGroupMembers', () => {
  it('lists the members by username case-insensitively, as registered, with role and status', async () => {
    const { fx, alice, bob, carol, dave, membersOf } = await makeSut();
    const groupId = await fx.createGroup(dave, 'Team');
    await fx.addMembers(groupId, dave, carol, bob, alice);
    await fx.logIn('carol');
    await fx.logIn('Dave');

    expect(unwrap(await membersOf(alice, groupId))).toEqual([
      { userId: alice.id, username: 'alice', role: 'member', status: 'offline' },
      { userId: bob.id, username: 'Bob', role: 'member', status: 'offline' },
      { userId: carol.id, username: 'carol', role: 'member', status: 'online' },
      { userId: dave.id, username: 'Dave', role: 'admin', status: 'online' },
    ]);
  });

  it('shows a member online while one of their connections is logged in, offline after the last', async () => {
    const { fx, alice, bob, membersOf } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    await fx.addMembers(groupId, alice, bob);
    const phone = await fx.logIn('Bob');
    const laptop = await fx.logIn('bob');
    const statusOfBob = async () =>
      unwrap(await membersOf(alice, groupId)).find((m) => m.userId === bob.id)?.status;

    expect(await statusOfBob()).toBe('online');
    await fx.endSession(phone);
    expect(await statusOfBob()).toBe('online');
    await fx.endSession(laptop, 'disconnect');
    expect(await statusOfBob()).toBe('offline');
  });

  it('shows who is admin after promotions by succession', async () => {
    const { fx, alice, bob, carol, membersOf, leave } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    await fx.addMembers(groupId, alice, bob, carol);

    await leave(alice, groupId);

    expect(unwrap(await membersOf(carol, groupId)).map((m) => [m.username, m.role])).toEqual([
      ['Bob', 'admin'],
      ['carol', 'member'],
    ]);
  });

  it('lists the caller alone in a group of one', async () => {
    const { fx, alice, membersOf } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Solo');
    await fx.logIn('alice');

    expect(unwrap(await membersOf(alice, groupId))).toEqual([
      { userId: alice.id, username: 'alice', role: 'admin', status: 'online' },
    ]);
  });

  it('refuses an unknown group with GROUP_NOT_FOUND', async () => {
    const { alice, membersOf } = await makeSut();

    expect(codeOf(await membersOf(alice, UNKNOWN_GROUP))).toBe('GROUP_NOT_FOUND');
  });

  it('refuses a caller who is not a member with GROUP_NOT_FOUND, as if the group did not exist', async () => {
    const { fx, alice, bob, carol, membersOf } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    await fx.addMembers(groupId, alice, bob);

    expect(codeOf(await membersOf(carol, groupId))).toBe('GROUP_NOT_FOUND');
    expect(codeOf(await membersOf(bob, groupId))).toBe('OK');
  });

  it('refuses a caller who has left with GROUP_NOT_FOUND', async () => {
    const { fx, alice, bob, membersOf, leave } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    await fx.addMembers(groupId, alice, bob);

    await leave(bob, groupId);

    expect(codeOf(await membersOf(bob, groupId))).toBe('GROUP_NOT_FOUND');
    expect(unwrap(await membersOf(alice, groupId)).map((m) => m.username)).toEqual(['alice']);
  });
});
