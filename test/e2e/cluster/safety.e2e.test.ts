import { befriend } from '../../support/e2e-server';
import { describeOnCluster, requireRedisUrl } from '../../support/redis';
import type { ServerProcess } from '../../support/server-process';
import { directMessage, killServerProcesses, requireBuild, startTwoNodes, Users, within } from './cluster-fixture';

const CANNOT = ['403', 'Cannot message this user'];

/**
 * Blocking and privacy (PROTOCOL.md §10) across nodes: what one node stores, the
 * other's next send reads in the same INSERT, so nothing needs to travel between
 * the nodes for a block to hold.
 */
describeOnCluster()('cluster mode: blocks and privacy hold on every node at once', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  const users = new Users();

  beforeAll(requireBuild);
  beforeEach(async () => {
    [a, b] = await startTwoNodes(requireRedisUrl());
  }, 60_000);
  afterEach(async () => {
    await users.closeAll();
    await killServerProcesses();
  }, 30_000);

  it('a block made on node a refuses a message from node b within the same second, both ways, and ends the friendship', async () => {
    const alice = await users.register(a.port, 'alice');
    const bob = await users.register(b.port, 'bob');
    await befriend(alice, bob);
    const toAlice = directMessage(alice, 'before the block');
    expect(await bob.client.call(1003, [alice.id, 'before the block'])).toEqual(['200', 'Message sent']);
    await within(5000, 'alice (node a) gets bob’s message', toAlice);

    expect(await alice.client.call(1028, bob.id)).toEqual(['200', 'Blocked']);
    const blockedAt = Date.now();
    expect(await bob.client.call(1003, [alice.id, 'after the block'])).toEqual(CANNOT);
    expect(Date.now() - blockedAt).toBeLessThan(1000);

    expect(await alice.client.call(1003, [bob.id, 'and back'])).toEqual(CANNOT);
    expect(await bob.client.call(1005, 'alice')).toEqual(CANNOT);
    expect(await bob.client.call(1009)).toEqual(['0']);
    // Bob's other device, on node a, is refused the same.
    const bobOnA = await users.login(a.port, 'bob');
    expect(await bobOnA.client.call(1003, [alice.id, 'from the other node'])).toEqual(CANNOT);
    // Nothing was stored for alice, and nothing reached her.
    expect(await alice.client.call(1014)).toEqual(['0']);
    expect(alice.client.received.filter((frame) => frame.type === 2001)).toHaveLength(1);

    // Lifted on node a, it is lifted on node b too.
    expect(await alice.client.call(1029, bob.id)).toEqual(['200', 'Unblocked']);
    const again = directMessage(alice, 'after the unblock');
    expect(await bob.client.call(1003, [alice.id, 'after the unblock'])).toEqual(['200', 'Message sent']);
    await within(5000, 'alice (node a) gets bob’s message again', again);
  }, 30_000);

  it("privacy 'friends' set on node a refuses a stranger on node b at once, and lets a friend there write", async () => {
    const alice = await users.register(a.port, 'alice');
    const bob = await users.register(b.port, 'bob');
    const carol = await users.register(b.port, 'carol');
    await befriend(alice, bob);

    expect(await alice.client.call(1031, 'friends')).toEqual(['200', 'Privacy updated']);
    expect(await carol.client.call(1003, [alice.id, 'hi'])).toEqual(CANNOT);
    const fromBob = directMessage(alice, 'hi from a friend');
    expect(await bob.client.call(1003, [alice.id, 'hi from a friend'])).toEqual(['200', 'Message sent']);
    await within(5000, 'alice (node a) gets her friend’s message', fromBob);
  }, 30_000);
});
