import { codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

/** "Team": alice is admin, bob a member. carol and dave are registered, not members. */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.register('alice');
  const bob = await fx.register('bob');
  const carol = await fx.register('carol');
  const dave = await fx.register('dave');
  const groupId = await fx.createGroup(alice, 'Team');
  await fx.addMembers(groupId, alice, bob);
  const memberIds = async () => (await fx.members(groupId)).map((m) => m.userId);
  return { fx, alice, bob, carol, dave, groupId, memberIds };
}

const UNKNOWN_GROUP = 999_998;
const UNKNOWN_USER = 999_999;

describe('AddToGroup', () => {
  async function makeAddSut() {
    const setup = await makeSut();
    const sut = setup.fx.useCases.addToGroup;
    const add = (actorId: number, userId: number, groupId = setup.groupId) => sut.execute({ actorId, groupId, userId });
    return { sut, add, ...setup };
  }

  it('adds the user as a member who joins now', async () => {
    const { fx, alice, carol, groupId, add } = await makeAddSut();
    fx.clock.advance(5_000);

    const { group } = unwrap(await add(alice.id, carol.id));

    expect(group).toMatchObject({ id: groupId, name: 'Team' });
    expect(await fx.storage.repositories.groups.findMember(groupId, carol.id)).toEqual({
      groupId,
      userId: carol.id,
      role: 'member',
      joinedAt: fx.clock.now(),
    });
  });

  it('lets the new member take part: send to the group', async () => {
    const { fx, alice, carol, groupId, add } = await makeAddSut();
    unwrap(await add(alice.id, carol.id));

    expect(codeOf(await fx.useCases.sendGroupMessage.execute({ sender: carol, groupId, content: 'hi all' }))).toBe('OK');
  });

  it('refuses an unknown group with GROUP_NOT_FOUND', async () => {
    const { alice, carol, add } = await makeAddSut();

    expect(codeOf(await add(alice.id, carol.id, UNKNOWN_GROUP))).toBe('GROUP_NOT_FOUND');
  });

  it('refuses a caller who is a member but not an admin with NOT_ADMIN', async () => {
    const { bob, carol, add, memberIds } = await makeAddSut();

    expect(codeOf(await add(bob.id, carol.id))).toBe('NOT_ADMIN');
    expect(await memberIds()).not.toContain(carol.id);
  });

  it('refuses a caller who is not a member with NOT_ADMIN', async () => {
    const { carol, dave, add, memberIds } = await makeAddSut();

    expect(codeOf(await add(dave.id, carol.id))).toBe('NOT_ADMIN');
    expect(await memberIds()).not.toContain(carol.id);
  });

  it('refuses an unknown user with USER_NOT_FOUND', async () => {
    const { alice, add, memberIds } = await makeAddSut();

    expect(codeOf(await add(alice.id, UNKNOWN_USER))).toBe('USER_NOT_FOUND');
    expect(await memberIds()).not.toContain(UNKNOWN_USER);
  });

  it('refuses a member with ALREADY_MEMBER and keeps their role and join time', async () => {
    const { fx, alice, bob, groupId, add } = await makeAddSut();
    const before = await fx.storage.repositories.groups.findMember(groupId, bob.id);
    fx.clock.advance(5_000);

    expect(codeOf(await add(alice.id, bob.id))).toBe('ALREADY_MEMBER');
    expect(codeOf(await add(alice.id, alice.id))).toBe('ALREADY_MEMBER');
    expect(await fx.storage.repositories.groups.findMember(groupId, bob.id)).toEqual(before);
    expect(await fx.roleOf(groupId, alice)).toBe('admin');
  });

  describe('checks in the order of PROTOCOL §3: group 404, then 403, then user 404, then 409', () => {
    it('group before right: unknown group, caller no admin, unknown user → GROUP_NOT_FOUND', async () => {
      const { dave, add } = await makeAddSut();

      expect(codeOf(await add(dave.id, UNKNOWN_USER, UNKNOWN_GROUP))).toBe('GROUP_NOT_FOUND');
    });

    it('right before user: caller no admin, unknown user → NOT_ADMIN', async () => {
      const { bob, add } = await makeAddSut();

      expect(codeOf(await add(bob.id, UNKNOWN_USER))).toBe('NOT_ADMIN');
    });

    it('right before conflict: caller no admin, user already a member → NOT_ADMIN', async () => {
      const { bob, alice, add } = await makeAddSut();

      expect(codeOf(await add(bob.id, alice.id))).toBe('NOT_ADMIN');
    });
  });

  it("records 'group_add' in the activity log", async () => {
    const { fx, alice, carol, groupId, add } = await makeAddSut();

    unwrap(await add(alice.id, carol.id));

    expect(fx.activity('group_add').at(-1)).toEqual({
      userId: alice.id,
      action: 'group_add',
      detail: `group=${groupId} user=${carol.id}`,
      at: fx.clock.now(),
    });
  });
});

describe('RemoveFromGroup', () => {
  async function makeRemoveSut() {
    const setup = await makeSut();
    const sut = setup.fx.useCases.removeFromGroup;
    const remove = (actorId: number, userId: number, groupId = setup.groupId) =>
      sut.execute({ actorId, groupId, userId });
    return { sut, remove, ...setup };
  }

  it('removes the member', async () => {
    const { alice, bob, groupId, remove, memberIds } = await makeRemoveSut();

    const { group } = unwrap(await remove(alice.id, bob.id));

    expect(group).toMatchObject({ id: groupId, name: 'Team' });
    expect(await memberIds()).toEqual([alice.id]);
  });

  it('leaves the removed member unable to send to the group, until added again', async () => {
    const { fx, alice, bob, groupId, remove } = await makeRemoveSut();
    unwrap(await remove(alice.id, bob.id));
    const send = () => fx.useCases.sendGroupMessage.execute({ sender: bob, groupId, content: 'hello?' });

    expect(codeOf(await send())).toBe('NOT_A_MEMBER');
    await fx.addMembers(groupId, alice, bob);
    expect(codeOf(await send())).toBe('OK');
  });

  it('refuses an unknown group with GROUP_NOT_FOUND', async () => {
    const { alice, bob, remove } = await makeRemoveSut();

    expect(codeOf(await remove(alice.id, bob.id, UNKNOWN_GROUP))).toBe('GROUP_NOT_FOUND');
  });

  it('refuses a caller who is a member but not an admin with NOT_ADMIN', async () => {
    const { fx, alice, bob, carol, groupId, remove, memberIds } = await makeRemoveSut();
    await fx.addMembers(groupId, alice, carol);

    expect(codeOf(await remove(bob.id, carol.id))).toBe('NOT_ADMIN');
    expect(codeOf(await remove(bob.id, alice.id))).toBe('NOT_ADMIN');
    expect(await memberIds()).toEqual([alice.id, bob.id, carol.id]);
  });

  it('refuses a caller who is not a member with NOT_ADMIN', async () => {
    const { dave, bob, remove, memberIds } = await makeRemoveSut();

    expect(codeOf(await remove(dave.id, bob.id))).toBe('NOT_ADMIN');
    expect(await memberIds()).toContain(bob.id);
  });

  it('refuses removing yourself with INVALID_INPUT (LEAVE_GROUP is for that)', async () => {
    const { alice, remove, memberIds } = await makeRemoveSut();

    expect(codeOf(await remove(alice.id, alice.id))).toBe('INVALID_INPUT');
    expect(await memberIds()).toContain(alice.id);
  });

  it('refuses a user who is not a member with USER_NOT_FOUND', async () => {
    const { alice, carol, remove } = await makeRemoveSut();

    expect(codeOf(await remove(alice.id, carol.id))).toBe('USER_NOT_FOUND');
  });

  it('refuses an unknown user with USER_NOT_FOUND', async () => {
    const { alice, remove } = await makeRemoveSut();

    expect(codeOf(await remove(alice.id, UNKNOWN_USER))).toBe('USER_NOT_FOUND');
  });

  describe('checks in the order of PROTOCOL §3: group 404, then 403, then user 404', () => {
    it('group before right: unknown group, caller no admin, unknown user → GROUP_NOT_FOUND', async () => {
      const { dave, remove } = await makeRemoveSut();

      expect(codeOf(await remove(dave.id, UNKNOWN_USER, UNKNOWN_GROUP))).toBe('GROUP_NOT_FOUND');
    });

    it('right before user: caller no admin, target not a member → NOT_ADMIN', async () => {
      const { bob, carol, remove } = await makeRemoveSut();

      expect(codeOf(await remove(bob.id, carol.id))).toBe('NOT_ADMIN');
      expect(codeOf(await remove(bob.id, UNKNOWN_USER))).toBe('NOT_ADMIN');
    });

    it('the 400 for yourself comes first, as a field rule', async () => {
      const { dave, remove } = await makeRemoveSut();

      expect(codeOf(await remove(dave.id, dave.id, UNKNOWN_GROUP))).toBe('INVALID_INPUT');
    });
  });

  it("records 'group_remove' in the activity log", async () => {
    const { fx, alice, bob, groupId, remove } = await makeRemoveSut();

    unwrap(await remove(alice.id, bob.id));

    expect(fx.activity('group_remove')).toEqual([
      { userId: alice.id, action: 'group_remove', detail: `group=${groupId} user=${bob.id}`, at: fx.clock.now() },
    ]);
  });
});
