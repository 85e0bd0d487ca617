import { startTestServer, type TestServer, type TestUser } from '../support/e2e-server';

describe('groups over TCP', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(() => t.stop());

  async function groupOf(admin: TestUser, name: string, ...members: TestUser[]): Promise<string> {
    const [status, groupId, groupName] = await admin.client.call(1010, name);
    expect([status, groupName]).toEqual(['201', name.trim()]);
    for (const m of members) expect(await admin.client.call(1011, [groupId!, m.id])).toEqual(['200', 'User added']);
    return groupId!;
  }

  it('creates a group (name trimmed), sends 2002 to every other online member, stores for the offline', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const [status, groupId, name] = await alice.client.call(1010, '  Team | One  ');
    expect([status, name]).toEqual(['201', 'Team | One']);
    await alice.client.call(1011, [groupId!, bob.id]);
    await alice.client.call(1011, [groupId!, carol.id]);
    await carol.client.call(1002);
    expect(await bob.client.call(1004, [groupId!, 'hello|all'])).toEqual(['200', 'Message sent']);
    const pushed = await alice.client.nextPush(2002);
    expect(pushed.slice(0, 5)).toEqual([groupId, 'Team | One', String(bob.id), 'bob', 'hello|all']);
    expect(Number(pushed[5])).toBeGreaterThan(0);
    // The sender gets no copy.
    expect(bob.client.pendingPushes(2002)).toEqual([]);
  });

  it('answers group errors in the order of PROTOCOL §3', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const groupId = await groupOf(alice, 'g', bob);
    expect(await alice.client.call(1011, [999999, bob.id])).toEqual(['404', 'Group not found']);
    expect(await carol.client.call(1011, [groupId, 999999])).toEqual(['403', 'Not admin']);
    expect(await bob.client.call(1011, [groupId, carol.id])).toEqual(['403', 'Not admin']);
    expect(await alice.client.call(1011, [groupId, 999999])).toEqual(['404', 'User not found']);
    expect(await alice.client.call(1011, [groupId, bob.id])).toEqual(['409', 'Already a member']);
    expect(await alice.client.call(1012, [groupId, carol.id])).toEqual(['404', 'User not found']);
    expect((await alice.client.call(1012, [groupId, alice.id]))[0]).toBe('400');
    expect(await bob.client.call(1012, [groupId, alice.id])).toEqual(['403', 'Not admin']);
    expect(await carol.client.call(1004, [groupId, 'hi'])).toEqual(['403', 'Not a member']);
    expect(await carol.client.call(1004, [999999, 'hi'])).toEqual(['404', 'Group not found']);
    expect(await carol.client.call(1013, groupId)).toEqual(['404', 'Group not found']);
    expect((await alice.client.call(1010, '   '))).toEqual(['400', 'Invalid name']);
    expect((await alice.client.call(1010, 'x'.repeat(65)))).toEqual(['400', 'Invalid name']);
    expect((await alice.client.call(1010, 'a\u0007b'))).toEqual(['400', 'Invalid name']);
    expect((await alice.client.call(1011, [groupId, 'x']))[0]).toBe('400');
  });

  it('removes a member, who gets no further group messages', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const groupId = await groupOf(alice, 'g', bob, carol);
    expect(await alice.client.call(1012, [groupId, bob.id])).toEqual(['200', 'User removed']);
    expect(await bob.client.call(1004, [groupId, 'still here?'])).toEqual(['403', 'Not a member']);
    await alice.client.call(1004, [groupId, 'after removal']);
    expect((await carol.client.nextPush(2002))[4]).toBe('after removal');
    expect(bob.client.pendingPushes(2002)).toEqual([]);
  });

  it('makes the longest-standing member admin when the last admin leaves', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const dave = await t.user('dave');
    const groupId = await groupOf(alice, 'g', bob, carol);
    expect(await alice.client.call(1013, groupId)).toEqual(['200', 'Left group']);
    expect(await alice.client.call(1013, groupId)).toEqual(['404', 'Group not found']);
    // bob joined first: he can now add members; carol cannot.
    expect(await carol.client.call(1011, [groupId, dave.id])).toEqual(['403', 'Not admin']);
    expect(await bob.client.call(1011, [groupId, dave.id])).toEqual(['200', 'User added']);
  });
});
