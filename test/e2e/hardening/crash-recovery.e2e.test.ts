import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { randomInt, seededRandom } from '../../support/fuzz-frames';
import { describeLong } from '../../support/long-tests';
import { killServerProcesses, startServerProcess, type ServerProcess } from '../../support/server-process';
import { logIn, TestClient } from '../../support/test-client';

/**
 * Crash safety on SQLite (PROTOCOL §3: a change is acknowledged only once durably
 * stored). Twenty rounds: the server process (synchronous=FULL, the default) takes a
 * stream of messages for an offline user and is killed with SIGKILL at a random moment.
 * After each kill the file passes `PRAGMA integrity_check`, and after each restart
 * GET_OFFLINE_MESSAGES returns every acknowledged message exactly once. Unacknowledged
 * ones may or may not be there, but nothing is ever returned twice.
 *
 * CHAT_TEST_CRASH_SEED=<n> replays the kill moments.
 */

const ROUNDS = 20;
const IN_FLIGHT = 16;
/** The kill comes this long (at most) after the first message of a round is sent. */
const MAX_KILL_DELAY_MS = 400;

/** What an integrity check of the file says, with the server dead. */
function checkFile(file: string): { integrity: string[]; foreignKeys: unknown[] } {
  const db = new Database(file);
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check);
    const foreignKeys = db.pragma('foreign_key_check') as unknown[];
    return { integrity, foreignKeys };
  } finally {
    db.close();
  }
}

describeLong('crash safety: SIGKILL while messages are stored', () => {
  let dir: string;
  let clients: TestClient[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-crash-'));
  });
  afterEach(async () => {
    await Promise.all(clients.map((client) => client.destroy()));
    clients = [];
    await killServerProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${ROUNDS} rounds: every acknowledged message comes back exactly once, none twice, and the file stays intact`, async () => {
    const seed = Number(process.env['CHAT_TEST_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
    const random = seededRandom(seed);
    const file = join(dir, 'chat.sqlite');
    const sent = new Set<string>();
    const fetchedTimes = new Map<string, number>();
    /** Acknowledged in the round before, not yet seen by bob. */
    let awaiting: string[] = [];
    let bobId = 0;
    const report: { round: number; killAfterMs: number; acked: number; unacked: number; fetched: number }[] = [];

    for (let round = 0; round <= ROUNDS; round++) {
      const server: ServerProcess = await startServerProcess({ CHAT_DB: file });

      if (round === 0) {
        const bob = await logIn(server.port, 'bob', true);
        bobId = bob.id;
        expect(await bob.client.call(1002)).toEqual(['200', 'Logged out successfully']);
        await bob.client.destroy();
      } else {
        // Bob comes back: everything acknowledged before the kill is waiting for him, once.
        const bob = await logIn(server.port, 'bob', false);
        clients.push(bob.client);
        const now: string[] = [];
        for (;;) {
          const [count, ...fields] = await bob.client.call(1014);
          if (count === '0') break;
          for (let i = 0; i < fields.length; i += 4) now.push(fields[i + 2]!);
        }
        for (const content of now) {
          expect(sent.has(content) ? content : `never sent: ${content}`).toBe(content);
          fetchedTimes.set(content, (fetchedTimes.get(content) ?? 0) + 1);
        }
        const nowSet = new Set(now);
        expect(awaiting.filter((content) => !nowSet.has(content))).toEqual([]);
        expect([...fetchedTimes].filter(([, times]) => times > 1)).toEqual([]);
        report[report.length - 1]!.fetched = now.length;
        // Logged out first, so no message of the next round is pushed to a closing socket.
        expect(await bob.client.call(1002)).toEqual(['200', 'Logged out successfully']);
        await bob.client.destroy();
      }
      if (round === ROUNDS) {
        await server.kill();
        break;
      }

      const alice = await logIn(server.port, 'alice', round === 0);
      clients.push(alice.client);
      const acked: string[] = [];
      let next = 0;
      let killed = false;
      const lane = async (): Promise<void> => {
        while (!killed) {
          const content = `round ${round} message ${next++}`;
          sent.add(content);
          let reply: string[];
          try {
            reply = await alice.client.call(1003, [bobId, content]);
          } catch {
            return; // the connection died with the server: this one is unacknowledged
          }
          expect(reply).toEqual(['200', 'Message sent']);
          acked.push(content);
        }
      };
      const lanes = Promise.all(Array.from({ length: IN_FLIGHT }, lane));
      const killAfterMs = randomInt(random, MAX_KILL_DELAY_MS + 1);
      // The random moment is the point: a timer.
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      killed = true;
      await server.kill();
      await lanes;
      await alice.client.closed;

      const check = checkFile(file);
      expect(check.integrity).toEqual(['ok']);
      expect(check.foreignKeys).toEqual([]);
      awaiting = acked;
      report.push({ round, killAfterMs, acked: acked.length, unacked: next - acked.length, fetched: 0 });
    }

    process.stdout.write(`\ncrash rounds (seed ${seed}): ${JSON.stringify(report)}\n`);
    // Every acknowledged message was returned, exactly once.
    expect([...fetchedTimes.values()].every((times) => times === 1)).toBe(true);
    const acknowledged = report.reduce((sum, r) => sum + r.acked, 0);
    expect(acknowledged).toBeGreaterThan(0);
    expect(fetchedTimes.size).toBeGreaterThanOrEqual(acknowledged);
  }, 300_000);
});
