import { befriend, startTestServer, type TestServer, type TestUser } from '../../support/e2e-server';
import { describeOnMysql } from '../../support/mysql';

/** Texts that only survive a real utf8mb4 round trip: nothing normalized, nothing trimmed, nothing replaced. */
const TEXTS = [
  '🎉 party, 👩‍👩‍👧‍👦 family (ZWJ), 🏳️‍🌈 flag, 👍🏽 skin tone',
  '漢字 かな カナ 한국어 中文 — and Extension B: 𠀋 𡈽 𡌛 𪚲',
  'e\u0301 (e + combining acute) is not \u00e9; Z\u0324\u0354a\u0308\u0356l\u036e\u0312g\u030co\u0319 stacked marks',
  '𝒜𝓁𝒾𝒸ℯ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🂡 𓀀 — math letters, cards, hieroglyphs',
  '  leading and trailing spaces stay  ',
  '🙂'.repeat(1024), // 4,096 bytes: the largest content the protocol allows
];

/** Splits a flat list reply into records of `width` fields after the count. */
function records(fields: readonly string[], width: number): string[][] {
  const count = Number(fields[0]);
  return Array.from({ length: count }, (_, i) => fields.slice(1 + i * width, 1 + (i + 1) * width));
}

describeOnMysql()('Unicode round trip over TCP on MySQL/MariaDB', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ engine: 'mysql' });
  });
  afterEach(() => t.stop());

  async function offline(user: TestUser): Promise<void> {
    expect(await user.client.call(1002)).toEqual(['200', 'Logged out successfully']);
  }

  async function backOnline(user: TestUser): Promise<void> {
    expect((await user.client.call(1001, [user.name, 'password123']))[0]).toBe('200');
  }

  it('stores direct messages for an offline receiver and hands them back byte for byte', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await offline(bob);

    for (const text of TEXTS) expect(await alice.client.call(1003, [bob.id, text])).toEqual(['200', 'Message sent']);

    await backOnline(bob);
    const contents = records(await bob.client.call(1014), 4).map((record) => record[2]);
    expect(contents).toEqual(TEXTS);
    expect(Buffer.from(contents.join('\n'), 'utf8').equals(Buffer.from(TEXTS.join('\n'), 'utf8'))).toBe(true);
  });

  it('keeps group names and group messages exactly, and lists them back', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const name = 'Café 🎉 漢字 e\u0301';
    const [status, groupId, created] = await alice.client.call(1010, name);
    expect([status, created]).toEqual(['201', name]);
    expect((await alice.client.call(1011, [groupId!, bob.id]))[0]).toBe('200');
    await offline(bob);

    for (const text of TEXTS) expect(await alice.client.call(1004, [groupId!, text])).toEqual(['200', 'Message sent']);

    await backOnline(bob);
    expect(records(await bob.client.call(1016), 4)).toEqual([[groupId, name, 'member', '2']]);
    const stored = records(await bob.client.call(1018), 6);
    expect(stored.map((record) => record[1])).toEqual(TEXTS.map(() => name));
    expect(stored.map((record) => record[4])).toEqual(TEXTS);
  });

  it('finds users and friends case-insensitively whatever else is in the database', async () => {
    const alice = await t.user('Alice');
    const bob = await t.user('bob.Smith-2');
    await befriend(alice, bob);

    expect(await alice.client.call(1020, 'BOB.SMITH-2')).toEqual(['200', String(bob.id), 'bob.Smith-2']);
    expect(await bob.client.call(1009)).toEqual(['1', String(alice.id), 'Alice', 'online']);
  });
});
