import { createClient } from 'redis';
import { RedisCluster } from '../../src/adapters/cluster/redis-cluster';
import { RedisAddressFailureCounter, RedisFailureCounter, type ScriptRunner } from '../../src/adapters/cluster/redis-failure-counter';
import { LocalConnectionRegistry } from '../../src/adapters/delivery/local-connection-registry';
import { FakeClock, RecordingLogger } from '../support/use-case-fixtures';
import { redisTestUrl, startPrivateRedis, stopPrivateRedises, uniqueRedisPrefix } from '../support/redis';

/**
 * The failed-login counts a cluster's nodes share, on a real Redis
 * (CHAT_TEST_REDIS_URL): each test keeps to keys of its own prefix. Two counter
 * instances on one prefix stand for two nodes.
 */
const describeOnRedis = redisTestUrl() === null ? describe.skip : describe;

type RedisClient = ReturnType<typeof createClient>;

const WINDOW_MS = 60_000;

describeOnRedis('RedisFailureCounter on Redis', () => {
  let client: RedisClient;
  let run: ScriptRunner;
  let prefix: string;

  beforeAll(async () => {
    client = createClient({ url: redisTestUrl() ?? '' });
    await client.connect();
    run = (source, args) => client.sendCommand(['EVAL', source, '0', ...args]);
  });

  afterAll(async () => {
    await client.close();
  });

  beforeEach(() => {
    prefix = uniqueRedisPrefix();
  });

  function makeSut(maxFailures = 3, windowMs = WINDOW_MS, scope = 'user'): RedisFailureCounter {
    return new RedisFailureCounter({
      run,
      prefix,
      scope,
      maxFailures,
      windowMs,
      clock: new FakeClock(),
      logger: new RecordingLogger(),
    });
  }

  async function admitTimes(sut: RedisFailureCounter, key: string, times: number): Promise<boolean[]> {
    const answers: boolean[] = [];
    for (let i = 0; i < times; i += 1) answers.push(await sut.admit(key));
    return answers;
  }

  it('admits maxFailures attempts on a key, then blocks it without counting more', async () => {
    const sut = makeSut(3);
    expect(await admitTimes(sut, 'alice', 5)).toEqual([true, true, true, false, false]);
    expect(await client.get(sut.keyOf('alice'))).toBe('3');
    expect(await sut.admit('bob')).toBe(true);
  });

  it('shares the count between two instances, as between two nodes', async () => {
    const nodeA = makeSut(4);
    const nodeB = makeSut(4);
    const answers: boolean[] = [];
    for (let i = 0; i < 6; i += 1) answers.push(await (i % 2 === 0 ? nodeA : nodeB).admit('alice'));
    expect(answers).toEqual([true, true, true, true, false, false]);

    const addressA = new RedisAddressFailureCounter(makeSut(2, WINDOW_MS, 'addr'));
    const addressB = new RedisAddressFailureCounter(makeSut(2, WINDOW_MS, 'addr'));
    await addressA.recordFailure('203.0.113.9');
    expect(await addressB.isBlocked('203.0.113.9')).toBe(false);
    // An IPv4-mapped address counts as its IPv4 address, on any node.
    await addressB.recordFailure('::ffff:203.0.113.9');
    expect(await addressA.isBlocked('203.0.113.9')).toBe(true);
    expect(await addressB.isBlocked('203.0.113.10')).toBe(false);
  });

  it('admits parallel attempts no further than the limit', async () => {
    const nodeA = makeSut(3);
    const nodeB = makeSut(3);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? nodeA : nodeB).admit('eve')));
    expect(answers.filter(Boolean)).toHaveLength(3);
  });

  it('forgets the failures on success, on every node', async () => {
    const nodeA = makeSut(2);
    const nodeB = makeSut(2);
    await admitTimes(nodeA, 'alice', 2);
    expect(await nodeB.admit('alice')).toBe(false);
    await nodeB.succeeded('alice');
    expect(await client.exists(nodeA.keyOf('alice'))).toBe(0);
    expect(await nodeA.admit('alice')).toBe(true);
  });

  it('sets an expiry of one window on every key, from its first failure', async () => {
    const throttle = makeSut(5, WINDOW_MS, 'user');
    const addresses = makeSut(5, WINDOW_MS, 'addr');
    await throttle.admit('alice');
    await addresses.recordFailure('198.51.100.1');
    for (const key of [throttle.keyOf('alice'), addresses.keyOf('198.51.100.1')]) {
      const ttl = await client.pTTL(key);
      expect(ttl).toBeGreaterThan(WINDOW_MS - 5_000);
      expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
    }
    // A key that lost its expiry somehow gets one back at the next failure.
    await client.persist(throttle.keyOf('alice'));
    await throttle.admit('alice');
    expect(await client.pTTL(throttle.keyOf('alice'))).toBeGreaterThan(0);

    const keys = await client.keys(`${prefix}*`);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(await client.pTTL(key)).toBeGreaterThan(0);
  });

  it('stores neither the username nor the address in a key', async () => {
    const sut = makeSut(5, WINDOW_MS, 'addr');
    await sut.recordFailure('alice@203.0.113.77');
    const keys = await client.keys(`${prefix}*`);
    expect(keys).toEqual([sut.keyOf('alice@203.0.113.77')]);
    expect(keys[0]).toMatch(new RegExp(`^${prefix}lf:addr:[0-9a-f]{32}$`));
  });

  it('unblocks a key once its window is over', async () => {
    const sut = makeSut(1, 150);
    expect(await sut.admit('alice')).toBe(true);
    expect(await sut.admit('alice')).toBe(false);
    // Redis expires the key by its own clock: wait for the key to be gone, not for a time.
    const deadline = Date.now() + 5_000;
    while ((await client.exists(sut.keyOf('alice'))) === 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await sut.admit('alice')).toBe(true);
  });
});

describe('RedisFailureCounter while Redis is away', () => {
  function makeSut(): { sut: RedisFailureCounter; clock: FakeClock; logger: RecordingLogger; redis: { up: boolean } } {
    const clock = new FakeClock();
    const logger = new RecordingLogger();
    const redis = { up: false };
    const sut = new RedisFailureCounter({
      run: () => (redis.up ? Promise.resolve(0) : Promise.reject(new Error('The client is closed'))),
      prefix: 'p:',
      scope: 'user',
      maxFailures: 2,
      windowMs: WINDOW_MS,
      clock,
      logger,
    });
    return { sut, clock, logger, redis };
  }

  it('counts in memory, never rejecting, and says so once', async () => {
    const { sut, logger } = makeSut();
    expect(await sut.admit('alice')).toBe(true);
    expect(await sut.admit('alice')).toBe(true);
    expect(await sut.admit('alice')).toBe(false);
    expect(await sut.isBlocked('alice')).toBe(true);
    await sut.succeeded('alice');
    expect(await sut.admit('alice')).toBe(true);
    await expect(sut.recordFailure('bob')).resolves.toBeUndefined();
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings.map((line) => line.message)).toEqual(['failed logins counted by this node alone while redis is away']);
  });

  it('keeps the in-memory window and says when Redis answers again', async () => {
    const { sut, clock, logger, redis } = makeSut();
    await sut.admit('alice');
    await sut.admit('alice');
    expect(await sut.admit('alice')).toBe(false);
    clock.advance(WINDOW_MS);
    expect(await sut.admit('alice')).toBe(true);
    redis.up = true;
    expect(await sut.isBlocked('alice')).toBe(false);
    expect(logger.lines.map((line) => line.message)).toContain('failed logins are counted in redis again');
  });
});

describeOnRedis('RedisCluster failure counters', () => {
  const clusters: RedisCluster[] = [];

  afterEach(async () => {
    await Promise.all(clusters.splice(0).map((cluster) => cluster.close()));
    await stopPrivateRedises();
  });

  async function join(nodeId: string, url: string, prefix: string, logger: RecordingLogger): Promise<RedisCluster> {
    const handlers = { delivered: async () => {}, nodeLost: async () => {}, usersBack: async () => {} };
    const cluster = await RedisCluster.join(
      new LocalConnectionRegistry(),
      { url, prefix, nodeId, nodeTtlMs: 600, joinTimeoutMs: 3000, logger },
      handlers,
    );
    clusters.push(cluster);
    return cluster;
  }

  it('share the counts between nodes, count alone while Redis is down, and share again once it is back', async () => {
    const redis = await startPrivateRedis();
    const prefix = uniqueRedisPrefix();
    const loggerA = new RecordingLogger();
    const a = await join('a', redis.url, prefix, loggerA);
    const loggerB = new RecordingLogger();
    const b = await join('b', redis.url, prefix, loggerB);
    const limits = { maxFailures: 2, windowMs: WINDOW_MS };
    const onA = a.failureCounterForAddresses(limits, new FakeClock());
    const onB = b.failureCounterForAddresses(limits, new FakeClock());
    await onA.recordFailure('192.0.2.1');
    await onB.recordFailure('192.0.2.1');
    expect(await onA.isBlocked('192.0.2.1')).toBe(true);

    const lost = Promise.all([loggerA.next('redis connection lost'), loggerB.next('redis connection lost')]);
    await redis.stop();
    await lost;
    // Neither rejects nor hangs: node a counts alone, from nothing.
    expect(await onA.isBlocked('192.0.2.1')).toBe(false);
    await onA.recordFailure('192.0.2.1');
    await onA.recordFailure('192.0.2.1');
    expect(await onA.isBlocked('192.0.2.1')).toBe(true);
    expect(loggerA.lines.filter((line) => line.message.startsWith('failed logins counted by this node alone'))).toHaveLength(1);

    // Each node reconnects on its own schedule: wait for both before sharing again.
    const restored = Promise.all([loggerA.next('redis connection restored'), loggerB.next('redis connection restored')]);
    await redis.start();
    await restored;
    // Redis came back empty: the shared count starts again, on both nodes.
    expect(await onA.isBlocked('192.0.2.1')).toBe(false);
    await onA.recordFailure('192.0.2.1');
    await onB.recordFailure('192.0.2.1');
    expect(await onB.isBlocked('192.0.2.1')).toBe(true);
    expect(loggerA.lines.map((line) => line.message)).toContain('failed logins are counted in redis again');
  }, 30_000);
});
