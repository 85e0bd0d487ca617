import { startSdkHarness, type SdkHarness, type SdkUser } from './support/sdk-harness';
import { maskTimes, TerminalHarness } from './support/terminal-harness';

/**
 * The SDK against the real server, PROTOCOL §6 extensions: 1015–1018, 1020 and the
 * pushes 2011/2012. These pass once the server implements them; until then a command
 * rejects with `400 Unknown command` and a push wait fails after 3 s.
 */
describe('ChatClient against the real server: protocol extensions', () => {
  let h: SdkHarness;
  beforeEach(async () => {
    h = await startSdkHarness();
  });
  afterEach(() => h.stop());

  async function groupOf(admin: SdkUser, name: string, ...members: SdkUser[]): Promise<number> {
    const { groupId } = await admin.client.createGroup(name);
    for (const m of members) await admin.client.addToGroup(groupId, m.id);
    return groupId;
  }

  it('1015 GET_FRIEND_REQUESTS lists pending requests with the ids the 2003 pushes carry, oldest first', async () => {
    const alice = await h.user('alice');
    const carol = await h.user('carol');
    const bob = await h.user('bob');
    await alice.client.sendFriendRequest('bob');
    await carol.client.sendFriendRequest('bob');
    const first = await bob.events.friendRequest.next((r) => r.senderId === alice.id);
    const second = await bob.events.friendRequest.next((r) => r.senderId === carol.id);
    expect(await bob.client.getFriendRequests()).toEqual([first, second]);
    await bob.client.rejectFriendRequest(first.requestId);
    expect(await bob.client.getFriendRequests()).toEqual([second]);
    expect(await alice.client.getFriendRequests()).toEqual([]);
  });

  it('1016 GET_GROUPS lists your groups by id with your role and the member count', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const first = await groupOf(alice, 'Team | One', bob);
    const second = await groupOf(bob, 'second');
    expect(await bob.client.getGroups()).toEqual([
      { groupId: first, name: 'Team | One', role: 'member', memberCount: 2 },
      { groupId: second, name: 'second', role: 'admin', memberCount: 1 },
    ]);
    expect(await alice.client.getGroups()).toEqual([{ groupId: first, name: 'Team | One', role: 'admin', memberCount: 2 }]);
  });

  it('1017 GET_GROUP_MEMBERS lists members by username with role and status; 404 to outsiders', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const groupId = await groupOf(bob, 'g', alice);
    await alice.client.logout();
    expect(await bob.client.getGroupMembers(groupId)).toEqual([
      { id: alice.id, username: 'alice', role: 'member', status: 'offline' },
      { id: bob.id, username: 'bob', role: 'admin', status: 'online' },
    ]);
    await expect(carol.client.getGroupMembers(groupId)).rejects.toMatchObject({ status: 404, text: 'Group not found' });
  });

  it('1018 GET_OFFLINE_GROUP_MESSAGES hands over group messages sent while a member was away', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const groupId = await groupOf(alice, 'Team | One', bob);
    await bob.client.logout();
    await alice.client.sendGroupMessage(groupId, 'while | you were away');
    await bob.client.login('bob', bob.password);
    expect(await bob.client.getOfflineGroupMessages()).toEqual([
      {
        groupId,
        groupName: 'Team | One',
        senderId: alice.id,
        senderUsername: 'alice',
        content: 'while | you were away',
        timestamp: expect.any(Number),
      },
    ]);
    expect(await bob.client.getOfflineGroupMessages()).toEqual([]);
  });

  it('1020 FIND_USER finds a user ignoring case, with the name as registered', async () => {
    const alice = await h.user('Alice');
    const bob = await h.user('bob');
    expect(await bob.client.findUser('ALICE')).toEqual({ userId: alice.id, username: 'Alice' });
    await expect(bob.client.findUser('nobody')).rejects.toMatchObject({ status: 404, text: 'User not found' });
  });

  it('2011 tells the sender of a friend request that it was accepted', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    await alice.client.sendFriendRequest('bob');
    const request = await bob.events.friendRequest.next();
    await bob.client.acceptFriendRequest(request.requestId);
    expect(await alice.events.friendRequestAccepted.next()).toEqual({
      requestId: request.requestId,
      userId: bob.id,
      username: 'bob',
      timestamp: expect.any(Number),
    });
  });

  it('2012 tells members who was added, removed, and who left', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const groupId = await groupOf(alice, 'g', bob);
    await alice.events.membershipChanged.next((c) => c.userId === bob.id); // bob's own `added`, as the admin saw it
    await alice.client.addToGroup(groupId, carol.id);
    const added = { groupId, groupName: 'g', userId: carol.id, username: 'carol', event: 'added' };
    expect(await carol.events.membershipChanged.next((c) => c.userId === carol.id)).toEqual(added);
    expect(await bob.events.membershipChanged.next((c) => c.userId === carol.id)).toEqual(added);
    expect(await alice.events.membershipChanged.next((c) => c.userId === carol.id)).toEqual(added);
    await alice.client.removeFromGroup(groupId, carol.id);
    const removed = { groupId, groupName: 'g', userId: carol.id, username: 'carol', event: 'removed' };
    expect(await carol.events.membershipChanged.next((c) => c.event === 'removed')).toEqual(removed);
    expect(await bob.events.membershipChanged.next((c) => c.event === 'removed')).toEqual(removed);
    await bob.client.leaveGroup(groupId);
    expect(await alice.events.membershipChanged.next((c) => c.event === 'left')).toEqual({
      groupId,
      groupName: 'g',
      userId: bob.id,
      username: 'bob',
      event: 'left',
    });
    // Carol, removed before, hears nothing of it (a push to her would come before this PONG).
    await carol.client.ping();
    expect(carol.events.membershipChanged.pending).toEqual([]);
  });
});

describe('terminal client against the real server: protocol extensions', () => {
  let h: SdkHarness;
  beforeEach(async () => {
    h = await startSdkHarness();
  });
  afterEach(() => h.stop());

  it('finds users by name (1020), lists groups (1016), members (1017) and requests (1015), shows 2012 and 2011', async () => {
    const bob = await h.user('bob');
    const carol = await h.user('carol');
    const terminal = new TerminalHarness({ port: h.port });
    terminal.type('/register alice password123', '/login alice password123', '/create Team', '/invite 1 BOB');
    // BOB is neither cached nor a friend: FIND_USER resolves him.
    await terminal.waitFor('added bob to [Team #1]\n');
    // The admin's 2012 may come before or after the reply.
    await terminal.printed(/\[\d\d:\d\d\] \[Team #1\] bob joined\n/);
    terminal.type('/groups', '/members 1', '/requests');
    expect((await terminal.waitFor('no pending friend requests\n')).replace(/^\[\d\d:\d\d\] \[Team #1\] bob joined\n/, '')).toBe(
      ['groups (1):', '  [Team #1] admin, 2 members', 'members of [Team #1] (2):', '  alice #3 admin online', '  bob #1 member online', 'no pending friend requests\n'].join('\n'),
    );
    terminal.type('/msg carol hello carol');
    expect(await carol.events.message.next()).toMatchObject({ senderUsername: 'alice', content: 'hello carol' });
    await bob.client.leaveGroup(1);
    await terminal.waitFor(/\[\d\d:\d\d\] \[Team #1\] bob left\n/);
    await carol.client.sendFriendRequest('alice');
    const pushed = await terminal.waitFor(/friend request #(\d+) from carol/);
    const requestId = /#(\d+) from carol/.exec(pushed)![1];
    terminal.type('/requests');
    await terminal.waitFor(`pending friend requests (1):\n  #${requestId} from carol at `);
    terminal.type('/add bob');
    const request = await bob.events.friendRequest.next();
    await bob.client.acceptFriendRequest(request.requestId);
    await terminal.waitFor(/\[\d\d:\d\d\] bob accepted your friend request\n/);
    expect(await terminal.end()).toBe(0);
  });

  it('after login shows group messages sent while away (1018) with the direct ones, oldest first', async () => {
    const alice = await h.user('alice');
    const bob = await h.user('bob');
    const { groupId } = await alice.client.createGroup('Team');
    await alice.client.addToGroup(groupId, bob.id);
    await bob.client.logout();
    await alice.client.sendGroupMessage(groupId, 'one for the team');
    await alice.client.sendMessage(bob.id, 'one for bob');
    await alice.client.sendGroupMessage(groupId, 'another | for the team');
    const terminal = new TerminalHarness({ port: h.port });
    terminal.type('/login bob password123');
    expect(await terminal.end()).toBe(0);
    expect(maskTimes(terminal.text)).toBe(
      [
        `logged in as bob (#${bob.id})`,
        'while you were away (3):',
        `  [hh:mm] [Team #${groupId}] alice: one for the team`,
        '  [hh:mm] alice: one for bob',
        `  [hh:mm] [Team #${groupId}] alice: another | for the team`,
        '',
      ].join('\n'),
    );
  });
});
