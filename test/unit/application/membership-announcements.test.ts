import type { GroupId, UserRef } from '../../../src/domain';
import { codeOf, makeFixture, unwrap, type RecordingConnection } from '../../support/use-case-fixtures';

/**
 * PROTOCOL §6, 2012 GROUP_MEMBERSHIP_CHANGED. "Team": alice (admin), bob and carol
 * (members), all logged in; bob on two devices. dave and erin are logged in and not
 * members; frank is registered and offline.
 */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.registerAndLogin('alice');
  const bob = await fx.registerAndLogin('bob');
  const bobsLaptop = await fx.logIn('bob');
  const carol = await fx.registerAndLogin('carol');
  const dave = await fx.registerAndLogin('Dave');
  const erin = await fx.registerAndLogin('erin');
  const frank = await fx.register('frank');
  const groupId = await fx.createGroup(alice.user, 'Team');
  await fx.addMembers(groupId, alice.user, bob.user, carol.user);
  const sessions = { alice, bob, bobsLaptop, carol, dave, erin };
  const everyone = Object.values(sessions);
  for (const session of everyone) session.connection.clear();
  const add = (user: UserRef, actor: UserRef = alice.user, toGroup = groupId) =>
    fx.useCases.addToGroup.execute({ actorId: actor.id, groupId: toGroup, userId: user.id });
  const remove = (user: UserRef, actor: UserRef = alice.user) =>
    fx.useCases.removeFromGroup.execute({ actorId: actor.id, groupId, userId: user.id });
  const leave = (user: UserRef, fromGroup = groupId) => fx.useCases.leaveGroup.execute({ user, groupId: fromGroup });
  /** Who got a membership-changed push, by connection, in the order set up above. */
  const notified = () =>
    Object.entries(sessions)
      .filter(([, session]) => session.connection.eventsOf('membership-changed').length > 0)
      .map(([name]) => name);
  const event = (user: UserRef, change: 'added' | 'removed' | 'left', group: GroupId = groupId, groupName = 'Team') => ({
    kind: 'membership-changed',
    groupId: group,
    groupName,
    userId: user.id,
    username: user.username,
    change,
  });
  return { fx, ...sessions, everyone, frank, groupId, add, remove, leave, notified, event };
}

const membershipNews = (connection: RecordingConnection) => connection.eventsOf('membership-changed');

describe('membership announcements (2012)', () => {
  describe('added', () => {
    it('tells every member, the acting admin included, and the new member', async () => {
      const { alice, dave, add, notified, event } = await makeSut();

      unwrap(await add(dave.user));

      expect(notified()).toEqual(['alice', 'bob', 'bobsLaptop', 'carol', 'dave']);
      expect(membershipNews(alice.connection)).toEqual([event(dave.user, 'added')]);
      expect(membershipNews(dave.connection)).toEqual([event(dave.user, 'added')]);
    });

    it('names the new member as registered', async () => {
      const { bob, dave, add } = await makeSut();

      unwrap(await add(dave.user));

      expect(membershipNews(bob.connection).map((e) => e.username)).toEqual(['Dave']);
    });

    it('tells each member once, on every one of their connections', async () => {
      const { bob, bobsLaptop, dave, add, event } = await makeSut();

      unwrap(await add(dave.user));

      expect(bob.connection.received).toEqual([event(dave.user, 'added')]);
      expect(bobsLaptop.connection.received).toEqual([event(dave.user, 'added')]);
    });

    it('pushes nothing when the add is refused', async () => {
      const { bob, carol, dave, everyone, add } = await makeSut();

      expect(codeOf(await add(dave.user, bob.user))).toBe('NOT_ADMIN');
      expect(codeOf(await add(carol.user))).toBe('ALREADY_MEMBER');
      expect(codeOf(await add(dave.user, undefined, 999_999))).toBe('GROUP_NOT_FOUND');

      for (const session of everyone) expect(session.connection.received).toEqual([]);
    });

    it('tells only the members of that group', async () => {
      const { fx, dave, erin, add, notified, event } = await makeSut();
      const other = await fx.createGroup(dave.user, 'Other');

      unwrap(await add(erin.user, dave.user, other));

      expect(notified()).toEqual(['dave', 'erin']);
      expect(membershipNews(dave.connection)).toEqual([event(erin.user, 'added', other, 'Other')]);
    });
  });

  describe('removed', () => {
    it('tells the remaining members, the acting admin included, and the removed member', async () => {
      const { bob, carol, remove, notified, event } = await makeSut();

      unwrap(await remove(carol.user));

      expect(notified()).toEqual(['alice', 'bob', 'bobsLaptop', 'carol']);
      expect(membershipNews(bob.connection)).toEqual([event(carol.user, 'removed')]);
      expect(membershipNews(carol.connection)).toEqual([event(carol.user, 'removed')]);
    });

    it('leaves the removed member out of the group messages that follow', async () => {
      const { fx, alice, bob, carol, groupId, remove } = await makeSut();
      unwrap(await remove(carol.user));

      await unwrap(await fx.useCases.sendGroupMessage.execute({ sender: alice.user, groupId, content: 'after' }))
        .delivered;

      expect(carol.connection.eventsOf('group-message')).toEqual([]);
      expect(bob.connection.eventsOf('group-message').map((e) => e.content)).toEqual(['after']);
      expect(await fx.useCases.getOfflineGroupMessages.execute({ userId: carol.user.id })).toEqual([]);
    });

    it('pushes nothing when the removal is refused', async () => {
      const { bob, carol, dave, everyone, remove } = await makeSut();

      expect(codeOf(await remove(carol.user, bob.user))).toBe('NOT_ADMIN');
      expect(codeOf(await remove(dave.user))).toBe('USER_NOT_FOUND');

      for (const session of everyone) expect(session.connection.received).toEqual([]);
    });
  });

  describe('left', () => {
    it('tells the remaining members and not the one who left', async () => {
      const { alice, bob, leave, notified, event } = await makeSut();

      unwrap(await leave(bob.user));

      expect(notified()).toEqual(['alice', 'carol']);
      expect(membershipNews(alice.connection)).toEqual([event(bob.user, 'left')]);
    });

    it('is still a departure when the last admin leaves and another member is promoted', async () => {
      const { fx, alice, bob, groupId, leave, notified, event } = await makeSut();

      const { newAdminId } = unwrap(await leave(alice.user));

      expect(newAdminId).toBe(bob.user.id);
      expect(notified()).toEqual(['bob', 'bobsLaptop', 'carol']);
      expect(membershipNews(bob.connection)).toEqual([event(alice.user, 'left')]);
      expect(await fx.roleOf(groupId, bob.user)).toBe('admin');
    });

    it('tells nobody when the last member leaves', async () => {
      const { fx, dave, everyone, leave } = await makeSut();
      const solo = await fx.createGroup(dave.user, 'Solo');

      unwrap(await leave(dave.user, solo));

      for (const session of everyone) expect(session.connection.received).toEqual([]);
    });

    it('pushes nothing when leaving is refused', async () => {
      const { dave, everyone, leave } = await makeSut();

      expect(codeOf(await leave(dave.user))).toBe('GROUP_NOT_FOUND');

      for (const session of everyone) expect(session.connection.received).toEqual([]);
    });
  });

  describe('members who are offline', () => {
    it('get nothing pushed and nothing kept for later', async () => {
      const { fx, alice, bob, carol, groupId, frank, add, remove, leave } = await makeSut();
      await fx.endSession(alice);

      unwrap(await add(frank));
      unwrap(await leave(bob.user));
      unwrap(await remove(carol.user));
      const aliceLater = await fx.logIn('alice');
      const frankLater = await fx.logIn('frank');

      for (const session of [alice, aliceLater, frankLater]) expect(session.connection.received).toEqual([]);
      for (const user of [alice.user, frank]) {
        expect(await fx.useCases.getOfflineGroupMessages.execute({ userId: user.id })).toEqual([]);
        expect(await fx.useCases.getOfflineMessages.execute({ userId: user.id })).toEqual([]);
      }
      // The listings show the outcome to whoever was away.
      expect(
        unwrap(await fx.useCases.getGroupMembers.execute({ userId: frank.id, groupId })).map((m) => m.username),
      ).toEqual(['alice', 'frank']);
    });

    it('does not keep the others from being told', async () => {
      const { fx, bob, carol, frank, add, notified, event } = await makeSut();
      await fx.endSession(carol);

      unwrap(await add(frank));

      expect(notified()).toEqual(['alice', 'bob', 'bobsLaptop']);
      expect(membershipNews(bob.connection)).toEqual([event(frank, 'added')]);
    });
  });

  it('a failing connection does not fail the change', async () => {
    const { fx, bob, bobsLaptop, carol, groupId, dave, add } = await makeSut();
    bob.connection.failDeliveries();
    bobsLaptop.connection.failDeliveries();

    expect(codeOf(await add(dave.user))).toBe('OK');
    expect(await fx.roleOf(groupId, dave.user)).toBe('member');
    expect(membershipNews(carol.connection)).toHaveLength(1);
  });
});
