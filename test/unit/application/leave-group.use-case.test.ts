import { codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';
import type { UserRef } from '../../../src/domain';

/** alice, bob, carol, dave registered in that order, so their ids rise in that order. */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.register('alice');
  const bob = await fx.register('bob');
  const carol = await fx.register('carol');
  const dave = await fx.register('dave');
  const sut = fx.useCases.leaveGroup;
  const leave = (user: UserRef, groupId: number) => sut.execute({ user, groupId });
  const roles = async (groupId: number) =>
    Object.fromEntries((await fx.members(groupId)).map((m) => [m.userId, m.role]));
  return { sut, fx, alice, bob, carol, dave, leave, roles };
}

describe('LeaveGroup', () => {
  it('takes a member out of the group and promotes nobody while the admin stays', async () => {
    const { fx, alice, bob, carol, leave, roles } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    await fx.addMembers(groupId, alice, bob, carol);

    const { group, newAdminId } = unwrap(await leave(bob, groupId));

    expect(group).toMatchObject({ id: groupId, name: 'Team' });
    expect(newAdminId).toBeNull();
    expect(await roles(groupId)).toEqual({ [alice.id]: 'admin', [carol.id]: 'member' });
  });

  it('refuses an unknown group with GROUP_NOT_FOUND', async () => {
    const { alice, leave } = await makeSut();

    expect(codeOf(await leave(alice, 999_999))).toBe('GROUP_NOT_FOUND');
  });

  it('refuses a user who is not a member with GROUP_NOT_FOUND', async () => {
    const { fx, alice, dave, leave, roles } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');

    expect(codeOf(await leave(dave, groupId))).toBe('GROUP_NOT_FOUND');
    expect(await roles(groupId)).toEqual({ [alice.id]: 'admin' });
  });

  it('refuses leaving twice with GROUP_NOT_FOUND', async () => {
    const { fx, alice, bob, leave } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    await fx.addMembers(groupId, alice, bob);
    unwrap(await leave(bob, groupId));

    expect(codeOf(await leave(bob, groupId))).toBe('GROUP_NOT_FOUND');
  });

  it('when the last admin leaves, makes the longest-standing remaining member admin', async () => {
    const { fx, alice, bob, carol, dave, leave, roles } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    fx.clock.advance(1_000);
    await fx.addMembers(groupId, alice, carol); // joined before bob, though bob's id is lower
    fx.clock.advance(1_000);
    await fx.addMembers(groupId, alice, bob);
    fx.clock.advance(1_000);
    await fx.addMembers(groupId, alice, dave);

    const { newAdminId } = unwrap(await leave(alice, groupId));

    expect(newAdminId).toBe(carol.id);
    expect(await roles(groupId)).toEqual({ [bob.id]: 'member', [carol.id]: 'admin', [dave.id]: 'member' });
  });

  it('on a tie in join time, makes the member with the lower user id admin', async () => {
    const { fx, alice, bob, carol, leave, roles } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    fx.clock.advance(1_000);
    await fx.addMembers(groupId, alice, carol, bob); // same instant; carol (higher id) added first

    const { newAdminId } = unwrap(await leave(alice, groupId));

    expect(newAdminId).toBe(bob.id);
    expect(await roles(groupId)).toEqual({ [bob.id]: 'admin', [carol.id]: 'member' });
  });

  it('the new admin can manage the group', async () => {
    const { fx, alice, bob, carol, leave } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    await fx.addMembers(groupId, alice, bob);
    unwrap(await leave(alice, groupId));

    expect(codeOf(await fx.useCases.addToGroup.execute({ actorId: bob.id, groupId, userId: carol.id }))).toBe('OK');
  });

  it('promotes nobody when an admin leaves and another admin remains', async () => {
    const { fx, alice, bob, carol, dave, leave, roles } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    fx.clock.advance(1_000);
    await fx.addMembers(groupId, alice, bob);
    fx.clock.advance(1_000);
    await fx.addMembers(groupId, alice, carol, dave);
    // No use-case makes a second admin directly; arrange one in the storage.
    await fx.storage.repositories.groups.setRole(groupId, carol.id, 'admin');

    const { newAdminId } = unwrap(await leave(alice, groupId));

    expect(newAdminId).toBeNull();
    expect(await roles(groupId)).toEqual({ [bob.id]: 'member', [carol.id]: 'admin', [dave.id]: 'member' });
  });

  it('leaves an empty group behind when the last member leaves', async () => {
    const { fx, alice, leave } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');

    const { newAdminId } = unwrap(await leave(alice, groupId));

    expect(newAdminId).toBeNull();
    expect(await fx.members(groupId)).toEqual([]);
    expect(await fx.storage.repositories.groups.findById(groupId)).toMatchObject({ id: groupId, name: 'Team' });
    // The group still exists: its former member is told they are not a member, not that it is gone.
    expect(codeOf(await fx.useCases.sendGroupMessage.execute({ sender: alice, groupId, content: 'anyone?' }))).toBe(
      'NOT_A_MEMBER',
    );
  });

  it("records 'group_leave', and 'group_admin' for the member promoted", async () => {
    const { fx, alice, bob, leave } = await makeSut();
    const groupId = await fx.createGroup(alice, 'Team');
    await fx.addMembers(groupId, alice, bob);

    unwrap(await leave(alice, groupId));

    expect(fx.activity().filter((e) => e.action === 'group_leave' || e.action === 'group_admin')).toEqual([
      { userId: alice.id, action: 'group_leave', detail: `group=${groupId}`, at: fx.clock.now() },
      { userId: bob.id, action: 'group_admin', detail: `group=${groupId}`, at: fx.clock.now() },
    ]);
  });
});
