import { execFile } from 'node:child_process';
import { befriend, type TestUser } from '../../support/e2e-server';
import { freshWorkerDatabase } from '../../support/mysql';
import { describeOnCluster, requireRedisUrl } from '../../support/redis';
import { connectionIdOf, type ServerProcess } from '../../support/server-process';
import {
  ADMIN_CLI,
  directMessage,
  killServerProcesses,
  pendingPresence,
  presence,
  requireBuild,
  startTwoNodes,
  statusSeenBy,
  Users,
  within,
} from './cluster-fixture';

/**
 * Two nodes of one chat, as separate processes on one MySQL/MariaDB database and
 * one Redis (each test under its own key prefix): what a user on one node does
 * reaches users on the other as if they shared a server.
 */
describeOnCluster()('cluster mode: two nodes serving one chat', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let database: string;
  const users = new Users();

  beforeAll(requireBuild);
  beforeEach(async () => {
    database = await freshWorkerDatabase();
    [a, b] = await startTwoNodes(requireRedisUrl(), database);
  }, 60_000);
  afterEach(async () => {
    await users.closeAll();
    await killServerProcesses();
  }, 30_000);

  it('delivers direct messages live both ways between nodes and marks them delivered', async () => {
    const alice = await users.register(a.port, 'alice');
    const bob = await users.register(b.port, 'bob');

    const toBob = directMessage(bob, 'hello from node a');
    expect(await alice.client.call(1003, [bob.id, 'hello from node a'])).toEqual(['200', 'Message sent']);
    const received = await within(5000, 'bob (node b) gets alice’s message', toBob);
    expect(received.slice(0, 3)).toEqual([String(alice.id), 'alice', 'hello from node a']);
    expect(Number(received[3])).toBeGreaterThan(0);

    const toAlice = directMessage(alice, 'and back from node b 🐬');
    expect(await bob.client.call(1003, [alice.id, 'and back from node b 🐬'])).toEqual(['200', 'Message sent']);
    expect((await within(5000, 'alice (node a) gets bob’s message', toAlice)).slice(0, 3)).toEqual([
      String(bob.id),
      'bob',
      'and back from node b 🐬',
    ]);

    // Both were delivered live, so neither is waiting as an offline message, on either node.
    expect(await bob.client.call(1014)).toEqual(['0']);
    expect(await alice.client.call(1014)).toEqual(['0']);
    const bobOnA = await users.login(a.port, 'bob');
    expect(await bobOnA.client.call(1014)).toEqual(['0']);
    // Each message came exactly once.
    expect(bob.client.received.filter((frame) => frame.type === 2001)).toHaveLength(1);
    expect(alice.client.received.filter((frame) => frame.type === 2001)).toHaveLength(1);
  }, 30_000);

  it('pushes group messages and membership changes to members on both nodes', async () => {
    const alice = await users.register(a.port, 'alice');
    const dave = await users.register(a.port, 'dave');
    const bob = await users.register(b.port, 'bob');
    const carol = await users.register(b.port, 'carol');

    const [, groupId] = await alice.client.call(1010, 'across nodes');
    expect(groupId).toMatch(/^[1-9]\d*$/);
    for (const member of [bob, carol, dave]) {
      const added = member.client.nextPush(2012, (fields) => fields[0] === groupId && fields[4] === 'added');
      expect(await alice.client.call(1011, [groupId!, member.id])).toEqual(['200', 'User added']);
      // The member concerned gets a 2012 `added`, wherever they are connected.
      expect(await within(5000, `${member.name} hears of being added`, added)).toEqual([
        groupId,
        'across nodes',
        String(member.id),
        member.name,
        'added',
      ]);
    }

    const groupMessage = (member: TestUser, content: string): Promise<string[]> =>
      within(5000, `${member.name} gets "${content}"`, member.client.nextPush(2002, (fields) => fields[4] === content));

    // From node a: a member on node a and two on node b.
    const fromA = [bob, carol, dave].map((member) => groupMessage(member, 'lunch at noon?'));
    expect(await alice.client.call(1004, [groupId!, 'lunch at noon?'])).toEqual(['200', 'Message sent']);
    for (const fields of await Promise.all(fromA)) {
      expect(fields.slice(0, 5)).toEqual([groupId, 'across nodes', String(alice.id), 'alice', 'lunch at noon?']);
    }

    // From node b: two members on node a and one on node b.
    const fromB = [alice, carol, dave].map((member) => groupMessage(member, 'yes, 12:15'));
    expect(await bob.client.call(1004, [groupId!, 'yes, 12:15'])).toEqual(['200', 'Message sent']);
    for (const fields of await Promise.all(fromB)) {
      expect(fields.slice(0, 5)).toEqual([groupId, 'across nodes', String(bob.id), 'bob', 'yes, 12:15']);
    }

    // Everyone got them live: nothing waits for anyone, and the sender got no copy.
    for (const member of [alice, bob, carol, dave]) expect(await member.client.call(1018)).toEqual(['0']);
    expect(alice.client.received.filter((frame) => frame.type === 2002)).toHaveLength(1);
    expect(bob.client.received.filter((frame) => frame.type === 2002)).toHaveLength(1);
  }, 30_000);

  it('shows presence across nodes: 2006 online and offline, and the friend list status', async () => {
    const alice = await users.register(a.port, 'alice');
    const bob = await users.register(b.port, 'bob');
    // The friend request (2003) and its acceptance cross nodes too.
    const accepted = alice.client.nextPush(2011);
    await befriend(alice, bob);
    expect((await within(5000, 'alice hears bob accepted', accepted)).slice(1, 3)).toEqual([String(bob.id), 'bob']);
    expect(await statusSeenBy(alice, bob)).toBe('online');
    expect(await statusSeenBy(bob, alice)).toBe('online');

    // Bob logs out on node b: alice, on node a, sees it.
    const offline = presence(alice, bob, 'offline');
    expect(await bob.client.call(1002)).toEqual(['200', 'Logged out successfully']);
    expect(await within(5000, 'alice gets bob offline', offline)).toEqual([String(bob.id), 'bob', 'offline']);
    expect(await statusSeenBy(alice, bob)).toBe('offline');

    // And back in on the same connection.
    const online = presence(alice, bob, 'online');
    expect((await bob.client.call(1001, ['bob', 'password123']))[0]).toBe('200');
    expect(await within(5000, 'alice gets bob online', online)).toEqual([String(bob.id), 'bob', 'online']);
    expect(await statusSeenBy(alice, bob)).toBe('online');

    // The other way round, and a closed socket rather than a LOGOUT.
    const aliceGone = presence(bob, alice, 'offline');
    await alice.client.destroy();
    expect(await within(5000, 'bob gets alice offline', aliceGone)).toEqual([String(alice.id), 'alice', 'offline']);
    expect(await statusSeenBy(bob, alice)).toBe('offline');
  }, 30_000);

  /** Alice on node a and carol on node b, both friends of bob, who is logged in on both nodes. */
  async function bobOnBothNodes(): Promise<Record<'alice' | 'carol' | 'bobOnA' | 'bobOnB', TestUser>> {
    const alice = await users.register(a.port, 'alice');
    const carol = await users.register(b.port, 'carol');
    const bobOnA = await users.register(a.port, 'bob');
    await befriend(alice, bobOnA);
    await befriend(carol, bobOnA);
    const bobOnB = await users.login(b.port, 'bob');
    expect(bobOnB.id).toBe(bobOnA.id);
    return { alice, carol, bobOnA, bobOnB };
  }

  it('keeps a user with a connection on each node online until both are closed', async () => {
    // A second connection on the other node: no second `online` for anyone.
    const { alice, carol, bobOnA, bobOnB } = await bobOnBothNodes();

    // A direct message reaches both of bob's connections, one per node.
    const onA = directMessage(bobOnA, 'to both of you');
    const onB = directMessage(bobOnB, 'to both of you');
    expect(await alice.client.call(1003, [bobOnA.id, 'to both of you'])).toEqual(['200', 'Message sent']);
    await within(5000, 'bob’s connection on node a gets the message', onA);
    await within(5000, 'bob’s connection on node b gets the message', onB);
    expect(await bobOnA.client.call(1014)).toEqual(['0']);

    // Close the connection on node a, and wait until node a has released it.
    const connection = await connectionIdOf(a, bobOnA.client.socket.localPort!);
    await bobOnA.client.destroy();
    await a.waitForLog((line) => line.msg === 'connection closed' && line['connection'] === connection);
    // Something sent through each node after the close reaches the friends: anything node a
    // published about bob's close would have come before it.
    const barrierForCarol = directMessage(carol, 'barrier a→b');
    expect(await alice.client.call(1003, [carol.id, 'barrier a→b'])).toEqual(['200', 'Message sent']);
    await within(5000, 'carol gets the barrier message', barrierForCarol);
    const barrierForAlice = directMessage(alice, 'barrier b→a');
    expect(await carol.client.call(1003, [alice.id, 'barrier b→a'])).toEqual(['200', 'Message sent']);
    await within(5000, 'alice gets the barrier message', barrierForAlice);

    // Still online for both friends, on both nodes.
    expect(await statusSeenBy(alice, bobOnA)).toBe('online');
    expect(await statusSeenBy(carol, bobOnA)).toBe('online');
    expect(pendingPresence(alice, bobOnA)).toEqual([]);
    expect(pendingPresence(carol, bobOnA)).toEqual([]);

    // The second close makes bob offline, once, for both.
    const aliceSees = presence(alice, bobOnA, 'offline');
    const carolSees = presence(carol, bobOnA, 'offline');
    await bobOnB.client.destroy();
    expect(await within(5000, 'alice gets bob offline', aliceSees)).toEqual([String(bobOnA.id), 'bob', 'offline']);
    expect(await within(5000, 'carol gets bob offline', carolSees)).toEqual([String(bobOnA.id), 'bob', 'offline']);
    expect(await statusSeenBy(alice, bobOnA)).toBe('offline');
    expect(await statusSeenBy(carol, bobOnA)).toBe('offline');
    for (const friend of [alice, carol]) {
      const aboutBob = friend.client.received.filter((frame) => frame.type === 2006 && frame.payload.startsWith(`${bobOnA.id}|`));
      expect(aboutBob.map((frame) => frame.payload.split('|')[2])).toEqual(['offline']);
    }
  }, 30_000);

  it('closes a banned user’s connections on both nodes, and friends on either node see them go offline', async () => {
    const { alice, carol, bobOnA, bobOnB } = await bobOnBothNodes();

    const aliceSees = presence(alice, bobOnA, 'offline');
    const carolSees = presence(carol, bobOnA, 'offline');
    const ban = await runAdmin(database, 'ban', 'bob');
    expect(ban).toMatchObject({ code: 0, stderr: '' });
    expect(ban.stdout).toMatch(/banned bob/);

    // CHAT_BAN_CHECK_MS is 250 on both nodes.
    await within(5000, 'bob’s connection on node a is closed', bobOnA.client.closed);
    await within(5000, 'bob’s connection on node b is closed', bobOnB.client.closed);
    expect(await within(5000, 'alice gets bob offline', aliceSees)).toEqual([String(bobOnA.id), 'bob', 'offline']);
    expect(await within(5000, 'carol gets bob offline', carolSees)).toEqual([String(bobOnA.id), 'bob', 'offline']);
    expect(await statusSeenBy(alice, bobOnA)).toBe('offline');

    // Bob cannot come back on either node.
    for (const node of [a, b]) {
      const client = await users.connect(node.port);
      expect(await client.call(1001, ['bob', 'password123'])).toEqual(['403', 'Account banned']);
    }
    expect(a.alive && b.alive).toBe(true);
  }, 30_000);

  it('acknowledged delivery across nodes: pushed by one node, acknowledged on the other, redelivered by either', async () => {
    const alice = await users.register(a.port, 'alice');
    const bob = await users.register(b.port, 'bob');
    expect(await bob.client.call(1023)).toEqual(['200', 'Acks enabled']);
    const pushed = bob.client.nextPush(2013);
    expect(await alice.client.call(1003, [bob.id, 'needs an ack'])).toEqual(['200', 'Message sent']);
    const [messageId, , , content] = await within(5000, 'bob (node b) gets the message as 2013', pushed);
    expect(content).toBe('needs an ack');

    // Written by node b, not acknowledged: node a's ENABLE_ACKS hands it out again.
    const bobOnA = await users.login(a.port, 'bob');
    const again = bobOnA.client.nextPush(2013);
    expect(await bobOnA.client.call(1023)).toEqual(['200', 'Acks enabled']);
    expect((await within(5000, 'node a redelivers it', again))[0]).toBe(messageId);

    // Acknowledged on node a: delivered for every node.
    expect(await bobOnA.client.call(1024, messageId!)).toEqual(['200', '1']);
    expect(await bob.client.call(1024, messageId!)).toEqual(['200', '0']);
    expect(await bob.client.call(1014)).toEqual(['0']);
  }, 30_000);

  it('read receipts (§9) reach the sender on every node, and the read state is the same seen from either', async () => {
    const alice = await users.register(a.port, 'alice');
    const aliceOnB = await users.login(b.port, 'alice');
    const bob = await users.register(b.port, 'bob');
    for (const content of ['one', 'two']) {
      expect(await alice.client.call(1003, [bob.id, content])).toEqual(['200', 'Message sent']);
    }
    const [count, newestId] = await bob.client.call(1025, ['d', alice.id, 0, 10]);
    expect(count).toBe('2');

    const receipts = [alice, aliceOnB].map((user) => user.client.nextPush(2016));
    expect(await bob.client.call(1026, ['d', alice.id, newestId!])).toEqual(['200', '2']);
    for (const [i, receipt] of receipts.entries()) {
      const [readerId, readerName, upTo] = await within(5000, `alice's connection ${i + 1} gets the receipt`, receipt);
      expect([readerId, readerName, upTo]).toEqual([String(bob.id), 'bob', newestId]);
    }
    // Node a reads what node b stored: both messages read, and nothing unread in bob's inbox.
    const history = await alice.client.call(1025, ['d', bob.id, 0, 10]);
    expect([history[0], history[6], history[12]]).toEqual(['2', '1', '1']);
    const bobOnA = await users.login(a.port, 'bob');
    expect(await bobOnA.client.call(1027)).toEqual(['1', 'd', String(alice.id), 'alice', newestId, expect.any(String), '0']);
  }, 30_000);
});

function runAdmin(database: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [ADMIN_CLI, ...args], { env: { ...process.env, CHAT_DB: database }, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}
