import { freshWorkerDatabase } from '../../support/mysql';
import { describeOnCluster, requireRedisUrl, uniqueRedisPrefix } from '../../support/redis';
import type { ServerProcess } from '../../support/server-process';
import type { TestClient } from '../../support/test-client';
import { killServerProcesses, PASSWORD, requireBuild, startNode, Users } from './cluster-fixture';

const TOO_MANY = ['429', 'Too many attempts'];
const INVALID = ['401', 'Invalid credentials'];

/**
 * Failed logins are counted cluster-wide (in Redis): guesses spread over two nodes
 * meet the limit at the same attempt as on one node, per username and per address,
 * instead of each node allowing the whole limit again.
 */
describeOnCluster()('cluster mode: failed logins count on every node at once', () => {
  const users = new Users();

  beforeAll(requireBuild);
  afterEach(async () => {
    await users.closeAll();
    await killServerProcesses();
  }, 30_000);

  async function startTwoNodesWith(env: Record<string, string>): Promise<[ServerProcess, ServerProcess]> {
    const settings = { database: await freshWorkerDatabase(), redisUrl: requireRedisUrl(), prefix: uniqueRedisPrefix() };
    return Promise.all([startNode(settings, 'node-a', env), startNode(settings, 'node-b', env)]);
  }

  /** The attempt (1-based) that first answered 429, logging in on the clients in turn; null if none did. */
  async function firstRefusal(
    clients: readonly TestClient[],
    credentials: (attempt: number) => [string, string],
    attempts: number,
  ): Promise<number | null> {
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const reply = await clients[(attempt - 1) % clients.length]!.call(1001, credentials(attempt));
      if (reply[0] === '429') return attempt;
      expect(reply).toEqual(INVALID);
    }
    return null;
  }

  it('per username: wrong passwords alternating over two nodes reach 429 at the same attempt as on one node, even with the right password', async () => {
    const [a, b] = await startTwoNodesWith({ CHAT_LOGIN_MAX_FAILURES: '3', CHAT_LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' });
    await users.register(a.port, 'alice');
    await users.register(b.port, 'bob');
    const onA = await users.connect(a.port);
    const onB = await users.connect(b.port);

    const oneNode = await firstRefusal([onA], () => ['bob', 'wrong-password'], 6);
    const twoNodes = await firstRefusal([onA, onB], () => ['alice', 'wrong-password'], 6);
    expect(oneNode).toBe(4);
    expect(twoNodes).toBe(oneNode);
    // Blocked on both nodes, for the right password too.
    expect(await onA.call(1001, ['alice', PASSWORD])).toEqual(TOO_MANY);
    expect(await onB.call(1001, ['alice', PASSWORD])).toEqual(TOO_MANY);
  }, 60_000);

  it('per username: a success on one node clears the failures counted on the other', async () => {
    const [a, b] = await startTwoNodesWith({ CHAT_LOGIN_MAX_FAILURES: '3', CHAT_LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' });
    await users.register(a.port, 'alice');
    const onA = await users.connect(a.port);
    const onB = await users.connect(b.port);

    expect(await firstRefusal([onA, onB], () => ['alice', 'wrong-password'], 2)).toBeNull();
    await users.login(b.port, 'alice');
    // Three more failures are allowed again, not one.
    expect(await firstRefusal([onB, onA], () => ['alice', 'wrong-password'], 4)).toBe(4);
  }, 60_000);

  it('per address: unknown names alternating over two nodes reach 429 after the address limit, on both nodes', async () => {
    const [a, b] = await startTwoNodesWith({ CHAT_LOGIN_MAX_FAILURES: '1000', CHAT_LOGIN_MAX_FAILURES_PER_ADDRESS: '5' });
    await users.register(a.port, 'alice');
    const onA = await users.connect(a.port);
    const onB = await users.connect(b.port);

    expect(await firstRefusal([onA, onB], (attempt) => [`nobody${attempt}`, 'wrong-password'], 8)).toBe(6);
    expect(await onA.call(1001, ['alice', PASSWORD])).toEqual(TOO_MANY);
    expect(await onB.call(1001, ['alice', PASSWORD])).toEqual(TOO_MANY);
  }, 60_000);
});
