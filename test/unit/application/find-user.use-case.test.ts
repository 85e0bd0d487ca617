import { codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

/** "Alice_01" and "bob.b-2" are registered. */
async function makeSut() {
  const fx = makeFixture();
  const alice = await fx.register('Alice_01');
  const bob = await fx.register('bob.b-2');
  const sut = fx.useCases.findUser;
  const find = (username: string) => sut.execute({ username });
  return { sut, fx, alice, bob, find };
}

describe('FindUser', () => {
  it('finds a user by the name as registered', async () => {
    const { alice, bob, find } = await makeSut();

    expect(unwrap(await find('Alice_01'))).toEqual({ id: alice.id, username: 'Alice_01' });
    expect(unwrap(await find('bob.b-2'))).toEqual({ id: bob.id, username: 'bob.b-2' });
  });

  it.each(['alice_01', 'ALICE_01', 'aLiCe_01'])(
    'looks the name up case-insensitively (%s) and answers with the name as registered',
    async (asked) => {
      const { alice, find } = await makeSut();

      expect(unwrap(await find(asked))).toEqual({ id: alice.id, username: 'Alice_01' });
    },
  );

  it.each(['carol', 'Alice_0', 'Alice_012', 'bob'])('refuses an unknown name (%s) with USER_NOT_FOUND', async (asked) => {
    const { find } = await makeSut();

    expect(codeOf(await find(asked))).toBe('USER_NOT_FOUND');
  });

  it.each([
    ['empty', ''],
    ['too short', 'ab'],
    ['too long', 'a'.repeat(33)],
    ['with a space', 'Alice 01'],
    ['with a pipe', 'Alice_01|x'],
    ['with a letter outside ASCII', 'Alicé_01'],
    ['with surrounding whitespace', ' Alice_01 '],
  ])('refuses a malformed name (%s) with INVALID_INPUT', async (_case, asked) => {
    const { find } = await makeSut();

    expect(codeOf(await find(asked))).toBe('INVALID_INPUT');
  });

  it('accepts names at the length limits', async () => {
    const { fx, find } = await makeSut();
    const shortest = await fx.register('abc');
    const longest = await fx.register('z'.repeat(32));

    expect(unwrap(await find('ABC'))).toEqual(shortest);
    expect(unwrap(await find('Z'.repeat(32)))).toEqual(longest);
  });
});
