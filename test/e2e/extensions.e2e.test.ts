import { splitFields } from '../../src/adapters/protocol/fields';
import { befriend, startTestServer, type TestServer, type TestUser } from '../support/e2e-server';

/** Splits a flat list reply into records of `width` fields after the count. */
function records(fields: string[], width: number): string[][] {
  const count = Number(fields[0]);
  expect(fields.length).toBe(1 + count * width);
  return Array.from({ length: count }, (_, i) => fields.slice(1 + i * width, 1 + (i + 1) * width));
}

describe('protocol extensions over TCP (PROTOCOL §6)', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(() => t.stop());

  async function group(admin: TestUser, name: string, ...members: TestUser[]): Promise<string> {
    const [, groupId] = await admin.client.call(1010, name);
    for (const m of members) expect((await admin.client.call(1011, [groupId!, m.id]))[0]).toBe('200');
    return groupId!;
  }

  it('1015 lists pending requests addressed to the caller, oldest first, as 2007', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    expect(await bob.client.call(1015)).toEqual(['0']);
    await alice.client.call(1005, 'bob');
    await carol.client.call(1005, 'bob');
    await bob.client.call(1005, 'alice|x'); // malformed: no request
    const reply = await bob.client.request(1015);
    expect(reply.type).toBe(2007);
    const list = records(reply.payload.split('|'), 4);
    expect(list.map((r) => [r[1], r[2]])).toEqual([
      [String(alice.id), 'alice'],
      [String(carol.id), 'carol'],
    ]);
    const pushed = await bob.client.nextPush(2003, (f) => f[1] === 'alice');
    expect(list[0]![0]).toBe(pushed[3]);
    expect(Number(list[0]![3])).toBeLessThanOrEqual(Number(list[1]![3]));
    expect(await alice.client.call(1015)).toEqual(['0']);
  });

  it('1016 lists the caller’s groups by id with role and member count, as 2008', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const first = await group(alice, 'First', bob);
    const second = await group(bob, 'Second | two');
    const reply = await bob.client.request(1016);
    expect(reply.type).toBe(2008);
    expect(await bob.client.call(1016)).toEqual(['2', first, 'First', 'member', '2', second, 'Second | two', 'admin', '1']);
    expect(await alice.client.call(1016)).toEqual(['1', first, 'First', 'admin', '2']);
  });

  it('1017 lists members by username with role and status, as 2009; 404 for non-members', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('Bob');
    const carol = await t.user('carol');
    const dave = await t.user('dave');
    const groupId = await group(carol, 'g', alice, bob);
    await alice.client.call(1002);
    const reply = await bob.client.request(1017, groupId);
    expect(reply.type).toBe(2009);
    expect(await bob.client.call(1017, groupId)).toEqual([
      '3',
      String(alice.id),
      'alice',
      'member',
      'offline',
      String(bob.id),
      'Bob',
      'member',
      'online',
      String(carol.id),
      'carol',
      'admin',
      'online',
    ]);
    expect(await dave.client.call(1017, groupId)).toEqual(['404', 'Group not found']);
    expect(await dave.client.call(1017, 999999)).toEqual(['404', 'Group not found']);
    expect((await dave.client.call(1017, 'x'))[0]).toBe('400');
  });

  it('1018 returns exactly the group messages missed while offline since joining, then 0', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const groupId = await group(alice, 'Team', bob);
    await alice.client.call(1004, [groupId, 'before carol joined']);
    await alice.client.call(1011, [groupId, carol.id]);
    await carol.client.call(1002);
    for (const text of ['one', 'two|2', 'three']) await bob.client.call(1004, [groupId, text]);
    await carol.client.call(1001, ['carol', 'password123']);
    const reply = await carol.client.request(1018);
    expect(reply.type).toBe(2010);
    const missed = records(splitFields(reply.payload), 6);
    expect(missed.map((r) => r[4])).toEqual(['one', 'two|2', 'three']);
    expect(missed[0]!.slice(0, 4)).toEqual([groupId, 'Team', String(bob.id), 'bob']);
    expect(await carol.client.call(1018)).toEqual(['0']);
    // Delivered live to alice: nothing waits for her.
    expect(await alice.client.call(1018)).toEqual(['0']);
  });

  it('1018 hands out 250 missed group messages as 100, 100, 50, then 0', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const groupId = await group(alice, 'big', bob);
    await bob.client.call(1002);
    await Promise.all(Array.from({ length: 250 }, (_, i) => alice.client.call(1004, [groupId, `m${i}`])));
    await bob.client.call(1001, ['bob', 'password123']);
    const counts: string[] = [];
    const contents: string[] = [];
    for (let i = 0; i < 4; i++) {
      const batch = await bob.client.call(1018);
      counts.push(batch[0]!);
      for (let j = 5; j < batch.length; j += 6) contents.push(batch[j]!);
    }
    expect(counts).toEqual(['100', '100', '50', '0']);
    expect(contents).toEqual(Array.from({ length: 250 }, (_, i) => `m${i}`));
  });

  it('1020 finds a user by name case-insensitively; 404 for nobody', async () => {
    const alice = await t.user('Alice');
    expect(await alice.client.call(1020, 'ALICE')).toEqual(['200', String(alice.id), 'Alice']);
    expect(await alice.client.call(1020, 'nobody')).toEqual(['404', 'User not found']);
    const anonymous = await t.connect();
    expect(await anonymous.call(1020, 'alice')).toEqual(['401', 'Not logged in']);
  });

  it('2011 tells the sender of an accepted request who accepted, on each of their connections', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const phone = await t.connect();
    await phone.call(1001, ['alice', 'password123']);
    await alice.client.call(1005, 'bob');
    const [, , , requestId] = await bob.client.nextPush(2003);
    const before = Date.now();
    await bob.client.call(1006, requestId!);
    for (const client of [alice.client, phone]) {
      const [id, userId, username, timestamp] = await client.nextPush(2011);
      expect([id, userId, username]).toEqual([requestId, String(bob.id), 'bob']);
      expect(Number(timestamp)).toBeGreaterThanOrEqual(before - 1);
    }
    expect(bob.client.pendingPushes(2011)).toEqual([]);
    // A friendship starting sends no 2006.
    expect(alice.client.pendingPushes(2006)).toEqual([]);
  });

  it('2012 tells members of adds, removals and leaves; a removed member gets no further 2002', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const [, groupId] = await alice.client.call(1010, 'Club');
    await alice.client.call(1011, [groupId!, bob.id]);
    const added = [groupId, 'Club', String(bob.id), 'bob', 'added'];
    expect(await alice.client.nextPush(2012)).toEqual(added);
    expect(await bob.client.nextPush(2012)).toEqual(added);
    await alice.client.call(1011, [groupId!, carol.id]);
    for (const c of [alice.client, bob.client, carol.client]) {
      expect(await c.nextPush(2012)).toEqual([groupId, 'Club', String(carol.id), 'carol', 'added']);
    }
    await alice.client.call(1012, [groupId!, bob.id]);
    const removed = [groupId, 'Club', String(bob.id), 'bob', 'removed'];
    for (const c of [alice.client, bob.client, carol.client]) expect(await c.nextPush(2012)).toEqual(removed);
    await alice.client.call(1004, [groupId!, 'after bob']);
    expect((await carol.client.nextPush(2002))[4]).toBe('after bob');
    await carol.client.call(1013, groupId!);
    expect(await alice.client.nextPush(2012)).toEqual([groupId, 'Club', String(carol.id), 'carol', 'left']);
    expect(carol.client.pendingPushes(2012)).toEqual([]);
    expect(bob.client.pendingPushes(2002)).toEqual([]);
    expect(bob.client.pendingPushes(2012)).toEqual([]);
  });

  it('keeps a seed-only client working: replies to seed commands are unchanged', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    await befriend(alice, bob);
    expect(await alice.client.call(1009)).toEqual(['1', String(bob.id), 'bob', 'online']);
    expect(await alice.client.call(1010, 'g')).toEqual(['201', expect.any(String), 'g']);
  });
});

describe('offline group messages and membership changes', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(() => t.stop());

  it('a removed member no longer gets what was sent while away, nor, once back, what came before', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const [, groupId] = await alice.client.call(1010, 'g');
    await alice.client.call(1011, [groupId!, bob.id]);
    await bob.client.call(1002);
    await alice.client.call(1004, [groupId!, 'while bob was away']);
    await alice.client.call(1012, [groupId!, bob.id]);
    await bob.client.call(1001, ['bob', 'password123']);
    expect(await bob.client.call(1018)).toEqual(['0']);
    await alice.client.call(1011, [groupId!, bob.id]);
    expect(await bob.client.call(1018)).toEqual(['0']);
  });
});
