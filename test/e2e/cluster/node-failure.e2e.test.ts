import { befriend } from '../../support/e2e-server';
import { freshWorkerDatabase, rawMysql } from '../../support/mysql';
import { describeOnCluster, requireRedisUrl } from '../../support/redis';
import { directMessage, killServerProcesses, presence, requireBuild, startTwoNodes, statusSeenBy, Users, within } from './cluster-fixture';

/**
 * A node killed with SIGKILL says goodbye to nobody: its heartbeat key expires
 * (~6 s) and a surviving node clears its sessions, so friends elsewhere see its
 * users go offline within 15 s, and what is sent to them waits in the database.
 */
/** Resolves once the message is marked delivered in the database (the writing node marks it after the push). */
async function markedDelivered(database: string, content: string): Promise<void> {
  const reader = await rawMysql(database);
  try {
    const deadline = Date.now() + 5000;
    for (;;) {
      const [rows] = await reader.query('SELECT delivered FROM messages WHERE content = ?', [content]);
      if (Array.isArray(rows) && rows.some((row) => Number((row as { delivered: unknown }).delivered) === 1)) return;
      if (Date.now() > deadline) throw new Error(`"${content}" was not marked delivered within 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await reader.end();
  }
}

describeOnCluster()('cluster mode: a node that dies', () => {
  const users = new Users();

  beforeAll(requireBuild);
  afterEach(async () => {
    await users.closeAll();
    await killServerProcesses();
  });

  it(
    'after kill -9 of a node its users go offline for friends on the other node within 15 s, and messages to them wait for 1014/1018',
    async () => {
      const database = await freshWorkerDatabase();
      const [a, b] = await startTwoNodes(requireRedisUrl(), database);
      const alice = await users.register(a.port, 'alice');
      const bob = await users.register(b.port, 'bob');
      const carol = await users.register(b.port, 'carol');
      await befriend(alice, bob);
      await befriend(alice, carol);
      const [, groupId] = await alice.client.call(1010, 'survivors');
      expect(await alice.client.call(1011, [groupId!, bob.id])).toEqual(['200', 'User added']);
      // A live message first, so the route to node b surely worked before it died.
      const live = directMessage(bob, 'before the crash');
      expect(await alice.client.call(1003, [bob.id, 'before the crash'])).toEqual(['200', 'Message sent']);
      await within(5000, 'bob gets the message before the crash', live);
      // Node b marks it delivered after writing it: a kill before that would leave it to fetch again.
      await markedDelivered(database, 'before the crash');
      expect(await statusSeenBy(alice, bob)).toBe('online');

      const bobOffline = presence(alice, bob, 'offline');
      const carolOffline = presence(alice, carol, 'offline');
      const killedAt = Date.now();
      await b.kill();

      // Sent while node a may still believe bob is on node b.
      expect(await alice.client.call(1003, [bob.id, 'right after the crash'])).toEqual(['200', 'Message sent']);

      await within(20_000, 'alice gets bob offline', bobOffline);
      const bobElapsed = Date.now() - killedAt;
      await within(20_000, 'alice gets carol offline', carolOffline);
      const carolElapsed = Date.now() - killedAt;
      expect(bobElapsed).toBeLessThan(15_000);
      expect(carolElapsed).toBeLessThan(15_000);
      const lost = await a.waitForLog((line) => line.msg === 'node lost', 5000);
      expect(lost).toMatchObject({ nodeId: 'node-b', connections: 2 });
      expect(await statusSeenBy(alice, bob)).toBe('offline');
      expect(await statusSeenBy(alice, carol)).toBe('offline');

      // Sent once bob is known to be offline.
      expect(await alice.client.call(1003, [bob.id, 'while you were away'])).toEqual(['200', 'Message sent']);
      expect(await alice.client.call(1004, [groupId!, 'group news while away'])).toEqual(['200', 'Message sent']);

      // Bob comes back on the surviving node: everything sent after the crash is waiting.
      const back = presence(alice, bob, 'online');
      const bobAgain = await users.login(a.port, 'bob');
      await within(5000, 'alice gets bob online again', back);
      const offline = await bobAgain.client.call(1014);
      expect(offline[0]).toBe('2');
      expect([offline[3], offline[7]]).toEqual(['right after the crash', 'while you were away']);
      expect([offline[1], offline[2]]).toEqual([String(alice.id), 'alice']);
      expect(await bobAgain.client.call(1014)).toEqual(['0']);
      const offlineGroup = await bobAgain.client.call(1018);
      expect(offlineGroup.slice(0, 6)).toEqual(['1', groupId, 'survivors', String(alice.id), 'alice', 'group news while away']);
      expect(await bobAgain.client.call(1018)).toEqual(['0']);
      expect(a.alive).toBe(true);
    },
    60_000,
  );
});
