import { codeOf, makeFixture, unwrap } from '../../support/use-case-fixtures';

function makeSut() {
  const fx = makeFixture();
  return { sut: fx.useCases.registerUser, fx };
}

const EMOJI = '😀'; // one code point, two UTF-16 units

describe('RegisterUser', () => {
  it('stores the account as registered and returns its id', async () => {
    const { sut, fx } = makeSut();

    const { userId } = unwrap(await sut.execute({ username: 'Alice', password: 'password1' }));

    const account = await fx.storage.repositories.accounts.findById(userId);
    expect(account).toMatchObject({ id: userId, username: 'Alice', status: 'active', createdAt: fx.clock.now() });
  });

  it('gives every account its own id', async () => {
    const { sut } = makeSut();

    const first = unwrap(await sut.execute({ username: 'alice', password: 'password1' }));
    const second = unwrap(await sut.execute({ username: 'bob', password: 'password1' }));

    expect(first.userId).not.toBe(second.userId);
  });

  it('stores a hash the password verifies against, never the password itself', async () => {
    const { sut, fx } = makeSut();

    const { userId } = unwrap(await sut.execute({ username: 'alice', password: 'password1' }));

    const account = await fx.storage.repositories.accounts.findById(userId);
    expect(account?.passwordHash).not.toContain('password1');
    expect(await fx.hasher.verify('password1', account?.passwordHash ?? null)).toBe(true);
  });

  describe('username rules', () => {
    it.each([
      ['2 characters', 'ab'],
      ['33 characters', 'a'.repeat(33)],
      ['no characters', ''],
      ['a space', 'al ice'],
      ['an @', 'al@ce'],
      ['a pipe', 'al|ce'],
      ['a letter outside ASCII', 'élise'],
      ['a trailing newline', 'alice\n'],
    ])('refuses a username with %s as INVALID_INPUT', async (_case, username) => {
      const { sut, fx } = makeSut();

      const result = await sut.execute({ username, password: 'password1' });

      expect(codeOf(result)).toBe('INVALID_INPUT');
      expect(fx.activity('register')).toEqual([]);
    });

    it.each([
      ['3 characters', 'abc'],
      ['32 characters', 'a'.repeat(32)],
      ['every allowed kind of character', 'Az09_.-'],
    ])('accepts a username of %s', async (_case, username) => {
      const { sut } = makeSut();

      expect(codeOf(await sut.execute({ username, password: 'password1' }))).toBe('OK');
    });
  });

  describe('password rules (counted in code points)', () => {
    it.each([
      ['7 characters', 'INVALID_INPUT', 'a'.repeat(7)],
      ['8 characters', 'OK', 'a'.repeat(8)],
      ['128 characters', 'OK', 'a'.repeat(128)],
      ['129 characters', 'INVALID_INPUT', 'a'.repeat(129)],
      ['7 emoji (14 UTF-16 units)', 'INVALID_INPUT', EMOJI.repeat(7)],
      ['8 emoji', 'OK', EMOJI.repeat(8)],
      ['128 emoji (256 UTF-16 units)', 'OK', EMOJI.repeat(128)],
      ['129 emoji', 'INVALID_INPUT', EMOJI.repeat(129)],
      ['8 characters of any text, spaces and pipes included', 'OK', ' |\\ é ☃ '],
    ])('a password of %s: %s', async (_case, expected, password) => {
      const { sut } = makeSut();

      expect(codeOf(await sut.execute({ username: 'alice', password }))).toBe(expected);
    });
  });

  it('refuses a username taken in another letter case with USERNAME_TAKEN and keeps the first account', async () => {
    const { sut, fx } = makeSut();
    const { userId } = unwrap(await sut.execute({ username: 'Alice', password: 'password1' }));

    const result = await sut.execute({ username: 'aLICE', password: 'password2' });

    expect(codeOf(result)).toBe('USERNAME_TAKEN');
    const account = await fx.storage.repositories.accounts.findByUsername('alice');
    expect(account).toMatchObject({ id: userId, username: 'Alice' });
    expect(await fx.hasher.verify('password1', account?.passwordHash ?? null)).toBe(true);
  });

  it('of two concurrent registrations of one name, exactly one succeeds', async () => {
    const { sut } = makeSut();

    const results = await Promise.all([
      sut.execute({ username: 'alice', password: 'password1' }),
      sut.execute({ username: 'ALICE', password: 'password2' }),
    ]);

    expect(results.map(codeOf).sort()).toEqual(['OK', 'USERNAME_TAKEN']);
  });

  it("records 'register' in the activity log, without the password", async () => {
    const { sut, fx } = makeSut();

    const { userId } = unwrap(await sut.execute({ username: 'alice', password: 'password1' }));

    expect(fx.activity()).toEqual([{ userId, action: 'register', detail: null, at: fx.clock.now() }]);
  });

  it('records nothing when the name is taken', async () => {
    const { sut, fx } = makeSut();
    unwrap(await sut.execute({ username: 'alice', password: 'password1' }));

    await sut.execute({ username: 'Alice', password: 'password1' });

    expect(fx.activity('register')).toHaveLength(1);
  });
});
