import { codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.register('alice');
  const bob = await fx.register('bob');
  const sut = fx.useCases.createGroup;
  const create = (name: string) => sut.execute({ userId: alice.id, name });
  const storedName = async (groupId: number) => (await fx.storage.repositories.groups.findById(groupId))?.name;
  return { sut, fx, alice, bob, create, storedName };
}

const EMOJI = '😀'; // one code point, two UTF-16 units

describe('CreateGroup', () => {
  it('creates the group and returns its id and name', async () => {
    const { fx, alice, create } = await makeSut();

    const { groupId, name } = unwrap(await create('Team'));

    expect(name).toBe('Team');
    expect(await fx.storage.repositories.groups.findById(groupId)).toEqual({
      id: groupId,
      name: 'Team',
      createdBy: alice.id,
      createdAt: fx.clock.now(),
    });
  });

  it('makes the creator its first admin and only member', async () => {
    const { fx, alice, create } = await makeSut();

    const { groupId } = unwrap(await create('Team'));

    expect(await fx.members(groupId)).toEqual([{ groupId, userId: alice.id, role: 'admin', joinedAt: fx.clock.now() }]);
  });

  it('lets the creator add members, as an admin', async () => {
    const { fx, alice, bob, create } = await makeSut();
    const { groupId } = unwrap(await create('Team'));

    expect(codeOf(await fx.useCases.addToGroup.execute({ actorId: alice.id, groupId, userId: bob.id }))).toBe('OK');
  });

  it.each([
    ['spaces', '  Team  ', 'Team'],
    ['tabs and newlines', '\t\nTeam\r\n', 'Team'],
    ['Unicode whitespace (U+3000, U+0085, U+00A0)', '\u3000\u0085Team\u00A0', 'Team'],
    ['nothing to trim, inner spaces kept', 'The  Team', 'The  Team'],
  ])('trims %s around the name and stores it trimmed', async (_case, raw, trimmed) => {
    const { create, storedName } = await makeSut();

    const { groupId, name } = unwrap(await create(raw));

    expect(name).toBe(trimmed);
    expect(await storedName(groupId)).toBe(trimmed);
  });

  it.each([
    ['1 character', 'x'],
    ['64 characters', 'a'.repeat(64)],
    ['64 emoji (128 UTF-16 units)', EMOJI.repeat(64)],
    ['64 characters once trimmed', ` ${'a'.repeat(64)} `],
    ['a pipe and a backslash', 'a|b\\c'],
  ])('accepts a name of %s', async (_case, raw) => {
    const { create } = await makeSut();

    expect(codeOf(await create(raw))).toBe('OK');
  });

  it.each([
    ['65 characters', 'a'.repeat(65)],
    ['65 emoji', EMOJI.repeat(65)],
    ['nothing', ''],
    ['only spaces', '    '],
    ['only Unicode whitespace', '\u3000\u0085\u2028\t'],
    ['a NUL inside', 'a\u0000b'],
    ['a bell inside', 'Te\u0007am'],
    ['a bell at the end (not whitespace, so not trimmed)', 'Team\u0007'],
    ['a newline inside', 'Team\nB'],
    ['a DEL inside', 'Team\u007FB'],
    ['a C1 control (U+0085) inside', 'Team\u0085B'],
  ])('refuses a name of %s with INVALID_INPUT and creates nothing', async (_case, raw) => {
    const { fx, create } = await makeSut();

    expect(codeOf(await create(raw))).toBe('INVALID_INPUT');
    expect(fx.activity('group_create')).toEqual([]);
  });

  it('gives two groups of the same name their own ids', async () => {
    const { create } = await makeSut();

    const first = unwrap(await create('Team'));
    const second = unwrap(await create('Team'));

    expect(first.groupId).not.toBe(second.groupId);
  });

  it("records 'group_create' in the activity log", async () => {
    const { fx, alice, create } = await makeSut();

    const { groupId } = unwrap(await create('Team'));

    expect(fx.activity('group_create')).toEqual([
      { userId: alice.id, action: 'group_create', detail: `group=${groupId}`, at: fx.clock.now() },
    ]);
  });
});
