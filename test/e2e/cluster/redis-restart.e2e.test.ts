import { befriend } from '../../support/e2e-server';
import { isCi } from '../../support/mysql';
import {
  describeOnCluster,
  REDIS_SERVER_VARIABLE,
  redisServerBinary,
  startPrivateRedis,
  stopPrivateRedises,
} from '../../support/redis';
import {
  directMessage,
  killServerProcesses,
  pendingPresence,
  presence,
  requireBuild,
  startTwoNodes,
  statusSeenBy,
  Users,
  waitForLogCount,
  within,
} from './cluster-fixture';

/**
 * Redis goes away and comes back empty (no persistence) on the same port: the
 * nodes keep serving what needs no Redis, reconnect by themselves, and serve
 * across nodes again without a restart. The test runs a Redis of its own, so
 * stopping it disturbs no other test.
 */
const binary = redisServerBinary();
if (binary === null && isCi()) throw new Error(`CI=true but no redis-server (${REDIS_SERVER_VARIABLE} or PATH): the Redis restart test must run in CI`);

describeOnCluster()('cluster mode: Redis restarted under running nodes', () => {
  const users = new Users();

  beforeAll(requireBuild);
  afterEach(async () => {
    await users.closeAll();
    await killServerProcesses();
    await stopPrivateRedises();
  });

  (binary ? it : it.skip)(
    `keeps same-node delivery while Redis is down and resumes cross-node delivery once it is back${
      binary ? '' : ` (skipped: no redis-server; set ${REDIS_SERVER_VARIABLE})`
    }`,
    async () => {
      const redis = await startPrivateRedis();
      const [a, b] = await startTwoNodes(redis.url);
      const alice = await users.register(a.port, 'alice');
      const carol = await users.register(a.port, 'carol');
      const bob = await users.register(b.port, 'bob');
      await befriend(alice, bob);
      const before = directMessage(bob, 'before the outage');
      expect(await alice.client.call(1003, [bob.id, 'before the outage'])).toEqual(['200', 'Message sent']);
      await within(5000, 'bob gets the message before the outage', before);

      await redis.stop();
      await Promise.all([a, b].map((node) => waitForLogCount(node, 'redis connection lost', 1, 10_000)));

      // Same-node delivery needs no Redis: both ways between alice and carol on node a.
      const toCarol = directMessage(carol, 'redis is down, we are not');
      expect(await alice.client.call(1003, [carol.id, 'redis is down, we are not'])).toEqual(['200', 'Message sent']);
      await within(5000, 'carol gets alice’s message during the outage', toCarol);
      const toAlice = directMessage(alice, 'still here');
      expect(await carol.client.call(1003, [alice.id, 'still here'])).toEqual(['200', 'Message sent']);
      await within(5000, 'alice gets carol’s message during the outage', toAlice);
      expect(await carol.client.call(1014)).toEqual(['0']);
      expect(a.alive && b.alive).toBe(true);

      await redis.start();
      await Promise.all([a, b].map((node) => waitForLogCount(node, 'redis connection restored', 1, 30_000)));

      // Across nodes again, both ways, delivered live; the nodes were not restarted.
      const toBob = directMessage(bob, 'redis is back');
      expect(await alice.client.call(1003, [bob.id, 'redis is back'])).toEqual(['200', 'Message sent']);
      await within(10_000, 'bob (node b) gets alice’s message after Redis is back', toBob);
      const fromBob = directMessage(alice, 'so I hear');
      expect(await bob.client.call(1003, [alice.id, 'so I hear'])).toEqual(['200', 'Message sent']);
      await within(10_000, 'alice (node a) gets bob’s message after Redis is back', fromBob);
      expect(await bob.client.call(1014)).toEqual(['0']);

      // Redis came back empty, yet bob, still connected to node b, is online for alice on node a.
      expect(await statusSeenBy(alice, bob)).toBe('online');
      expect(pendingPresence(alice, bob)).toEqual([]);
      // And presence crosses nodes again.
      const offline = presence(alice, bob, 'offline');
      expect(await bob.client.call(1002)).toEqual(['200', 'Logged out successfully']);
      await within(10_000, 'alice gets bob offline after Redis is back', offline);
      expect(a.alive && b.alive).toBe(true);
    },
    90_000,
  );
});
