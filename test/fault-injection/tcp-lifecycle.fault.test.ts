import { TEST_SCRYPT_COST } from '../../src/adapters/crypto/scrypt-password-hasher';
import { InMemoryStorage } from '../../src/adapters/persistence/in-memory/in-memory-storage';
import { startServer, type RunningServer } from '../../src/bootstrap/start-server';
import { FaultPlan, faultyStorage } from '../support/fault-injection';
import { silentLogger } from '../support/e2e-server';
import { TestClient } from '../support/test-client';

/**
 * The TCP connection's lifecycle (login, a message, logout, a close, a ban's kick,
 * shutdown) over a storage whose k-th call fails, for every k until a run reaches
 * no fault. Every request is answered (success or an error reply, never a hang or a
 * dropped connection), the server shuts down within its deadline, and no session is
 * left open for a connection that is gone.
 */
jest.setTimeout(120_000);

const PASSWORD = 'password123';

interface Run {
  readonly replies: string[];
  readonly fired: boolean;
}

async function runOnce(failAt: number): Promise<Run> {
  const plan = new FaultPlan(failAt);
  const raw = new InMemoryStorage();
  let server: RunningServer | null = null;
  const replies: string[] = [];
  try {
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      storage: faultyStorage(raw, plan),
      passwordCost: TEST_SCRYPT_COST,
      logger: silentLogger,
      banCheckMs: 100,
      shutdownDeadlineMs: 2000,
    });
    const port = server.port;
    const connect = (): Promise<TestClient> => TestClient.connect(port);
    const setup = await connect();
    for (const name of ['alice', 'bob', 'carol']) await setup.call(1000, [name, PASSWORD]);
    await setup.destroy();

    plan.armed = true;
    /** A reply as `TYPE:status`; a data reply counts as `200`. */
    const say = async (client: TestClient, type: number, payload: string | readonly (string | number)[]): Promise<void> => {
      const reply = await client.request(type, payload);
      replies.push(`${type}:${reply.type === 2000 ? reply.payload.split('|')[0] : '200'}`);
    };
    const alice = await connect();
    const bob = await connect();
    const carol = await connect();
    await say(alice, 1001, ['alice', PASSWORD]);
    await say(bob, 1001, ['bob', PASSWORD]);
    await say(carol, 1001, ['carol', PASSWORD]);
    await say(alice, 1003, ['2', 'hello']);
    await say(bob, 1014, '');
    await say(bob, 1002, '');
    await alice.destroy();
    // A ban kicks carol's connection at the next check (a check the storage fails is tried again).
    await plan.quietly(() => raw.repositories.accounts.setStatus(3, 'banned'));
    if (replies[2] === '1001:200') await carol.closed;
    await bob.destroy();
    await carol.destroy();
    // The sweep finishes what failed halfway; then every session row is gone.
    plan.armed = false;
    await server.core.useCases.endSession.finishUnfinished();
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2500);
    server = null;
    expect({ failAt, openSessions: (await raw.repositories.reports.stats()).onlineUsers }).toEqual({ failAt, openSessions: 0 });
    return { replies, fired: plan.fired };
  } finally {
    await server?.close();
  }
}

describe('fault injection over TCP: the connection lifecycle', () => {
  it('answers every request with a success or an error, never hangs, and leaves no session open', async () => {
    let points = 0;
    for (let k = 1; ; k++) {
      const run = await runOnce(k);
      // Every request got exactly one reply, and only these statuses.
      expect(run.replies).toHaveLength(6);
      for (const reply of run.replies) expect(reply).toMatch(/^\d+:(200|401|500)$/);
      if (!run.fired) {
        expect(run.replies).toEqual(['1001:200', '1001:200', '1001:200', '1003:200', '1014:200', '1002:200']);
        break;
      }
      points = k;
    }
    process.stdout.write(`fault injection over TCP: ${points} injection points exercised\n`);
    expect(points).toBeGreaterThan(10);
  });
});
