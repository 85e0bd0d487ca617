import { createClient } from 'redis';
import { REAP } from '../../src/adapters/cluster/cluster-scripts';
import { RedisCluster, type ClusterHandlers } from '../../src/adapters/cluster/redis-cluster';
import { LocalConnectionRegistry } from '../../src/adapters/delivery/local-connection-registry';
import type { PushEvent } from '../../src/application/ports';
import type { UserId } from '../../src/domain';
import { RecordingConnection, RecordingLogger } from '../support/use-case-fixtures';
import { redisTestUrl, startPrivateRedis, stopPrivateRedises, uniqueRedisPrefix } from '../support/redis';

/**
 * The Redis adapter of presence and delivery, two or three nodes in this process on
 * a real Redis (CHAT_TEST_REDIS_URL), each with its own keys prefix per test. The
 * processes-and-sockets version of these scenarios is in test/e2e/cluster.
 */
const describeOnRedis = redisTestUrl() === null ? describe.skip : describe;

const TTL_MS = 600;

interface Node {
  readonly id: string;
  readonly local: LocalConnectionRegistry;
  readonly cluster: RedisCluster;
  readonly logger: RecordingLogger;
  readonly delivered: Array<{ event: PushEvent; userIds: readonly UserId[] }>;
  readonly lost: string[];
  readonly back: UserId[];
  /** Pushes routed between nodes, as the node reported them to its observer. */
  readonly routed: { sent: number; received: number };
  connect(id: string): RecordingConnection;
}

const open: RedisCluster[] = [];

async function joinNode(
  id: string,
  prefix: string,
  url = redisTestUrl() ?? '',
  failures: { nodeLost?: number } = {},
): Promise<Node> {
  const local = new LocalConnectionRegistry();
  const logger = new RecordingLogger();
  const delivered: Node['delivered'] = [];
  const lost: string[] = [];
  const back: UserId[] = [];
  const routed = { sent: 0, received: 0 };
  let nodeLostFailures = failures.nodeLost ?? 0;
  const handlers: ClusterHandlers = {
    delivered: async (event, _recipients, reached) => {
      const userIds = await reached;
      if (userIds.length > 0) delivered.push({ event, userIds });
    },
    nodeLost: async (nodeId) => {
      if (nodeLostFailures > 0) {
        nodeLostFailures -= 1;
        throw new Error('database away');
      }
      lost.push(nodeId);
    },
    usersBack: async (userIds) => void back.push(...userIds),
  };
  const observer = { pushesRouted: (direction: 'sent' | 'received', count: number) => void (routed[direction] += count) };
  const cluster = await RedisCluster.join(
    local,
    { url, prefix, nodeId: id, nodeTtlMs: TTL_MS, logger, joinTimeoutMs: 3000, observer },
    handlers,
  );
  open.push(cluster);
  return {
    id,
    local,
    cluster,
    logger,
    delivered,
    lost,
    back,
    routed,
    connect(connectionId) {
      const connection = new RecordingConnection(connectionId);
      local.register(connection);
      return connection;
    },
  };
}

/** Resolves once the connection has received `count` events. */
function received(connection: RecordingConnection, count: number): Promise<PushEvent[]> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (connection.received.length >= count) resolve(connection.received.slice());
      else setImmediate(check);
    };
    check();
  });
}

const message = (messageId: number, content = 'hi'): PushEvent => ({
  kind: 'direct-message',
  messageId,
  senderId: 1,
  senderUsername: 'ann',
  content,
  sentAt: 1_700_000_000_000,
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((cluster) => cluster.close()));
  await stopPrivateRedises();
});

describeOnRedis('RedisCluster (presence and delivery through Redis)', () => {
  it('counts a user online while any node holds a connection: first and last are cluster-wide', async () => {
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix);
    const b = await joinNode('b', prefix);
    a.connect('a-1');
    b.connect('b-1');

    expect(await a.cluster.attach(7, 'a-1')).toEqual({ first: true });
    expect(await b.cluster.attach(7, 'b-1')).toEqual({ first: false });
    expect(await b.cluster.isOnline(7)).toBe(true);
    expect([...(await b.cluster.onlineAmong([7, 8]))]).toEqual([7]);
    expect(await b.cluster.onlineUsers()).toEqual([7]);

    expect(await a.cluster.detach(7, 'a-1')).toEqual({ last: false });
    expect(await a.cluster.isOnline(7)).toBe(true);
    expect(await b.cluster.detach(7, 'b-1')).toEqual({ last: true });
    expect(await a.cluster.isOnline(7)).toBe(false);
    expect(await a.cluster.onlineUsers()).toEqual([]);
  });

  it('routes a push to the node holding the user; that node records the message delivered', async () => {
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix);
    const b = await joinNode('b', prefix);
    const bobOnB = b.connect('b-1');
    await b.cluster.attach(2, 'b-1');

    // Not on this node: the sender's node does not record it; the writing node does.
    expect(await a.cluster.push(2, message(41))).toBe(false);

    expect(await received(bobOnB, 1)).toEqual([message(41)]);
    await waitUntil(() => b.delivered.length === 1);
    expect(b.delivered).toEqual([{ event: message(41), userIds: [2] }]);
    expect(a.delivered).toEqual([]);
  });

  it('counts the pushes it routes to other nodes (one per node) and those it receives, but not kicks', async () => {
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix);
    const b = await joinNode('b', prefix);
    const c = await joinNode('c', prefix);
    const onB = b.connect('b-1');
    const onC = c.connect('c-1');
    await b.cluster.attach(2, 'b-1');
    await c.cluster.attach(3, 'c-1');
    a.connect('a-1');
    await a.cluster.attach(1, 'a-1');

    await a.cluster.push(2, message(1));
    await a.cluster.push(3, message(1));
    await a.cluster.push(1, message(2)); // its own user: nothing routed
    await Promise.all([received(onB, 1), received(onC, 1)]);
    await waitUntil(() => a.routed.sent === 2);
    expect(b.routed).toEqual({ sent: 0, received: 1 });
    expect(c.routed).toEqual({ sent: 0, received: 1 });

    await a.cluster.disconnectUser(2);
    await waitUntil(() => onB.isClosed);
    // A push routed after the kick: its count comes after the kick's would have (one Redis connection, in order).
    await a.cluster.push(3, message(3));
    await received(onC, 2);
    await waitUntil(() => a.routed.sent >= 3);
    expect(a.routed.sent).toBe(3);
    expect(b.routed.received).toBe(1);
    expect(a.cluster.connected).toBe(true);
    await a.cluster.close();
    expect(a.cluster.connected).toBe(false);
  });

  it('writes to the local connections and every other node of a user with several devices, once each', async () => {
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix);
    const b = await joinNode('b', prefix);
    const c = await joinNode('c', prefix);
    const onA = a.connect('a-1');
    const onB1 = b.connect('b-1');
    const onB2 = b.connect('b-2');
    const onC = c.connect('c-1');
    for (const [node, id] of [[a, 'a-1'], [b, 'b-1'], [b, 'b-2'], [c, 'c-1']] as const) await node.cluster.attach(5, id);

    expect(await a.cluster.push(5, message(1))).toBe(true);
    expect(await a.cluster.push(5, message(2))).toBe(true);

    for (const connection of [onA, onB1, onB2, onC]) expect(await received(connection, 2)).toEqual([message(1), message(2)]);
    expect(onA.received).toHaveLength(2);
  });

  it('sends a group message to many members on other nodes in one routed call per node', async () => {
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix);
    const b = await joinNode('b', prefix);
    const members = [10, 11, 12, 13];
    const connections = members.map((id) => b.connect(`b-${id}`));
    for (const id of members) await b.cluster.attach(id, `b-${id}`);
    const event: PushEvent = {
      kind: 'group-message',
      messageId: 9,
      groupId: 3,
      groupName: 'Team',
      senderId: 1,
      senderUsername: 'ann',
      content: 'all',
      sentAt: 1_700_000_000_000,
    };

    await Promise.all(members.map((id) => a.cluster.push(id, event)));

    for (const connection of connections) expect(await received(connection, 1)).toEqual([event]);
    await waitUntil(() => b.delivered.length > 0);
    expect(b.delivered).toEqual([{ event, userIds: members }]);
  });

  it('routes the pushes of one turn to another node as one channel message, in order, each to its own users', async () => {
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix);
    const b = await joinNode('b', prefix);
    const c = await joinNode('c', prefix);
    const onB = [b.connect('b-10'), b.connect('b-11')];
    const onC = c.connect('c-12');
    await b.cluster.attach(10, 'b-10');
    await b.cluster.attach(11, 'b-11');
    await c.cluster.attach(12, 'c-12');
    const listener = createClient({ url: redisTestUrl() ?? '' });
    await listener.connect();
    const toB: string[] = [];
    await listener.subscribe(`${prefix}n:b:ch`, (raw) => void toB.push(raw));
    try {
      const events = Array.from({ length: 20 }, (_, i) => message(100 + i, `m${i}`));
      // One turn: twenty messages, alternately to the two users on b, and the last also to c.
      await Promise.all(events.map((event, i) => a.cluster.push(10 + (i % 2), event)));
      await a.cluster.push(12, events[19]!);

      expect(await received(onB[0]!, 10)).toEqual(events.filter((_, i) => i % 2 === 0));
      expect(await received(onB[1]!, 10)).toEqual(events.filter((_, i) => i % 2 === 1));
      expect(await received(onC, 1)).toEqual([events[19]]);
      await waitUntil(() => toB.length > 0 && b.routed.received === 20);
      expect(toB).toHaveLength(1);
      expect(JSON.parse(toB[0]!)).toHaveLength(20);
      expect(a.routed.sent).toBe(21);
    } finally {
      await listener.quit();
    }
  });

  it('takes a channel message of one entry, as nodes of earlier releases publish it', async () => {
    const prefix = uniqueRedisPrefix();
    const b = await joinNode('b', prefix);
    const connection = b.connect('b-10');
    await b.cluster.attach(10, 'b-10');
    const publisher = createClient({ url: redisTestUrl() ?? '' });
    await publisher.connect();
    try {
      const event = message(7, 'from an older node');
      await publisher.publish(`${prefix}n:b:ch`, JSON.stringify({ kind: 'push', users: [10], event }));
      expect(await received(connection, 1)).toEqual([event]);
    } finally {
      await publisher.quit();
    }
  });

  it('does not record presence pushes as deliveries', async () => {
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix);
    const b = await joinNode('b', prefix);
    const onB = b.connect('b-1');
    await b.cluster.attach(2, 'b-1');
    const presence: PushEvent = { kind: 'presence', userId: 1, username: 'ann', status: 'online' };

    await a.cluster.push(2, presence);
    await a.cluster.push(2, message(5));

    expect(await received(onB, 2)).toEqual([presence, message(5)]);
    await waitUntil(() => b.delivered.length === 1);
    expect(b.delivered.map((d) => d.event.kind)).toEqual(['direct-message']);
  });

  it("closes a user's connections on every node", async () => {
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix);
    const b = await joinNode('b', prefix);
    const onA = a.connect('a-1');
    const onB = b.connect('b-1');
    await a.cluster.attach(4, 'a-1');
    await b.cluster.attach(4, 'b-1');

    await a.cluster.disconnectUser(4);

    expect(onA.closeReasons).toEqual(['banned']);
    await waitUntil(() => onB.isClosed);
    expect(onB.closeReasons).toEqual(['banned']);
  });

  it('reaps a node whose heartbeat stopped: exactly one survivor clears it, its users go offline', async () => {
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix);
    const b = await joinNode('b', prefix);
    await addGhostNode(prefix);
    a.connect('a-1');
    await a.cluster.attach(4, 'a-1');
    expect(await a.cluster.isOnline(3)).toBe(true);

    await waitUntil(() => a.lost.length + b.lost.length > 0);

    expect([...a.lost, ...b.lost]).toEqual(['ghost']);
    expect(await a.cluster.isOnline(3)).toBe(false);
    expect(await b.cluster.isOnline(4)).toBe(true);
    expect(await b.cluster.onlineUsers()).toEqual([4]);
  });

  it('retries clearing a lost node at the next heartbeat when it fails', async () => {
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix, redisTestUrl() ?? '', { nodeLost: 1 });
    await addGhostNode(prefix);

    await waitUntil(() => a.lost.length > 0);

    expect(a.lost).toEqual(['ghost']);
    expect(a.logger.lines.map((l) => l.message)).toContain('clearing a lost node failed; retried');
  });

  it('a node counted dead while alive (cut off from Redis too long) tells friends its users are back', async () => {
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix);
    const b = await joinNode('b', prefix);
    a.connect('a-1');
    b.connect('b-1');
    b.connect('b-2');
    await b.cluster.attach(8, 'b-1'); // only on b
    await b.cluster.attach(9, 'b-2'); // on both
    await a.cluster.attach(9, 'a-1');

    // What a survivor does when b's heartbeat has expired.
    const raw = createClient({ url: redisTestUrl() ?? '' });
    await raw.connect();
    try {
      await raw.eval(REAP, { keys: [], arguments: [prefix, 'b', 'claim'] });
    } finally {
      raw.destroy();
    }
    expect(await a.cluster.isOnline(8)).toBe(false);

    await waitUntil(() => b.back.length > 0);

    expect(b.back).toEqual([8]);
    expect(await a.cluster.isOnline(8)).toBe(true);
    await waitUntil(() => a.lost.length + b.lost.length > 0);
    expect([...a.lost, ...b.lost]).toEqual(['b']);
  });

  it('says nobody is back after Redis lost its data: nobody was told they left', async () => {
    const prefix = uniqueRedisPrefix();
    const b = await joinNode('b', prefix);
    b.connect('b-1');
    await b.cluster.attach(8, 'b-1');
    const raw = createClient({ url: redisTestUrl() ?? '' });
    await raw.connect();
    try {
      for (const key of await raw.keys(`${prefix}*`)) await raw.del(key);
    } finally {
      raw.destroy();
    }

    expect(await b.cluster.isOnline(8)).toBe(false);

    // Its next heartbeat finds it missing from the node set and writes its connections again.
    await waitUntil(() => b.cluster.isOnline(8));

    expect(b.back).toEqual([]);
  });

  it('refuses a second node with the id of a running one', async () => {
    const prefix = uniqueRedisPrefix();
    await joinNode('a', prefix);

    await expect(joinNode('a', prefix)).rejects.toThrow('node id "a" is in use by a running node');
  });

  it('leaves cleanly on close: its users are offline for the other nodes at once', async () => {
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix);
    const b = await joinNode('b', prefix);
    b.connect('b-1');
    await b.cluster.attach(6, 'b-1');

    await b.cluster.close();

    expect(await a.cluster.isOnline(6)).toBe(false);
    expect(a.lost).toEqual([]);
  });

  it('fails to join with a message naming Redis, without the password, when Redis is unreachable', async () => {
    const attempt = RedisCluster.join(
      new LocalConnectionRegistry(),
      { url: 'redis://:hunter2@127.0.0.1:1', prefix: uniqueRedisPrefix(), nodeId: 'x', nodeTtlMs: TTL_MS, logger: new RecordingLogger(), joinTimeoutMs: 500 },
      { delivered: async () => undefined, nodeLost: async () => undefined, usersBack: async () => undefined },
    );
    await expect(attempt).rejects.toThrow(/Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/? cannot be reached within 500 ms: ECONNREFUSED/);
    await expect(attempt).rejects.toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });

  it('serves its own connections while Redis is down, and routes across nodes again once it is back', async () => {
    const redis = await startPrivateRedis();
    const prefix = uniqueRedisPrefix();
    const a = await joinNode('a', prefix, redis.url);
    const b = await joinNode('b', prefix, redis.url);
    const annOnA = a.connect('a-1');
    const bobOnB = b.connect('b-1');
    await a.cluster.attach(1, 'a-1');
    await b.cluster.attach(2, 'b-1');
    const lostA = a.logger.next('redis connection lost');
    const lostB = b.logger.next('redis connection lost');

    expect(a.cluster.connected).toBe(true);
    await redis.stop();
    await Promise.all([lostA, lostB]);
    expect(a.cluster.connected).toBe(false);

    // Alone: its own user is reached, and a login is answered from what the node holds.
    expect(await a.cluster.push(1, message(1))).toBe(true);
    expect(annOnA.received).toEqual([message(1)]);
    a.connect('a-2');
    expect(await a.cluster.attach(3, 'a-2')).toEqual({ first: true });

    const restoredA = a.logger.next('redis connection restored');
    const restoredB = b.logger.next('redis connection restored');
    await redis.start(); // empty: everything the nodes had in it is gone
    await Promise.all([restoredA, restoredB]);
    expect(a.cluster.connected).toBe(true);

    expect(await b.cluster.onlineAmong([1, 2, 3])).toEqual(new Set([1, 2, 3]));
    await a.cluster.push(2, message(2));
    expect(await received(bobOnB, 1)).toEqual([message(2)]);
  }, 30_000);
});

/** A node that joined, holds user 3's only connection and user 4's second one, and died. */
async function addGhostNode(prefix: string): Promise<void> {
  const raw = createClient({ url: redisTestUrl() ?? '' });
  await raw.connect();
  try {
    // At once: a heartbeat in between would reap half a ghost and leave the rest online.
    await raw
      .multi()
      .sAdd(`${prefix}nodes`, 'ghost')
      .sAdd(`${prefix}n:ghost:conns`, ['3|g-1', '4|g-2'])
      .sAdd(`${prefix}u:3`, 'ghost|g-1')
      .sAdd(`${prefix}u:4`, 'ghost|g-2')
      .sAdd(`${prefix}online`, ['3', '4'])
      .exec();
  } finally {
    raw.destroy();
  }
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
