import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameClient } from '../../support/frame-client';
import {
  FUZZ_KINDS,
  breakingItem,
  intactFrame,
  randomInt,
  rawFrame,
  seededRandom,
  type FuzzKind,
  type Random,
} from '../../support/fuzz-frames';
import { describeLong } from '../../support/long-tests';
import { killServerProcesses, startServerProcess, type ServerProcess } from '../../support/server-process';

/**
 * Fuzzing the built server in a process of its own: several connections at once write
 * thousands of random and mutated frames (flipped bits, random TYPEs, truncated headers
 * and bodies, oversize announcements, invalid UTF-8, field soup, raw bytes), some of
 * them logged in so the commands behind LOGIN run too, and each connection ends in a
 * different way (FIN, destroy, RST). The server must stay up with bounded memory, send
 * only well-formed frames, never answer 500, and afterwards serve normal users.
 *
 * CHAT_TEST_FUZZ_SEED=<n> replays a run; CHAT_TEST_FUZZ_FRAMES sets how many frames.
 */

const WORKERS = 8;
const LOGGED_IN_WORKERS = 4;
const TOTAL_FRAMES = Number(process.env['CHAT_TEST_FUZZ_FRAMES'] ?? 24_000);
const PASSWORD = 'password123';
/** Server frame types: RESPONSE and the data replies and pushes (2000–2018, §8–§10's included). */
const SERVER_TYPES = new Set(Array.from({ length: 19 }, (_, i) => 2000 + i));
/** Every status a reply may carry, 500 left out on purpose: nothing here should fail inside. */
const EXPECTED_STATUSES = new Set(['200', '201', '400', '401', '403', '404', '409', '429']);

interface FuzzStats {
  frames: number;
  connections: number;
  byKind: Record<FuzzKind, number>;
  statuses: Map<string, number>;
  serverFrames: number;
  /** Replies to connections whose stream stayed in step, which owed exactly one reply per frame. */
  intactReplies: number;
  problems: string[];
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Collects what one connection got back: every frame must be one the server may send. */
function check(client: FrameClient, stats: FuzzStats): void {
  stats.problems.push(...client.problems);
  for (const frame of client.frames) {
    stats.serverFrames += 1;
    if (!SERVER_TYPES.has(frame.type)) stats.problems.push(`frame of type ${frame.type} from the server`);
    if (frame.type !== 2000 || frame.text === null) continue;
    const status = /^(\d{3})(\||$)/.exec(frame.text)?.[1] ?? `malformed reply ${JSON.stringify(frame.text.slice(0, 40))}`;
    stats.statuses.set(status, (stats.statuses.get(status) ?? 0) + 1);
  }
}

/**
 * One fuzzing connection after another until `quota` items are written. Each writes a
 * run of whole frames (mangled inside, but each one frame) and then, half the time,
 * something that breaks the framing followed by more noise. A run that stayed in step
 * ends with a PING, and must get exactly one reply per frame, the PONG last.
 */
async function fuzzWorker(
  port: number,
  random: Random,
  quota: number,
  user: string | null,
  stats: FuzzStats,
): Promise<void> {
  let written = 0;
  const count = (kind: FuzzKind): void => {
    stats.byKind[kind] += 1;
    written += 1;
  };
  while (written < quota) {
    const client = await FrameClient.connect(port);
    stats.connections += 1;
    let requests = 0;
    // Logged in (not waited for): what follows reaches the commands behind LOGIN, until a LOGOUT.
    if (user) {
      await client.write(rawFrame(1001, `${user}|${PASSWORD}`));
      requests += 1;
    }
    const run = 1 + randomInt(random, 150);
    for (let i = 0; i < run && written < quota && client.isOpen; i++) {
      const { kind, bytes } = intactFrame(random);
      count(kind);
      requests += 1;
      await client.write(bytes);
      if (i % 16 === 15) await nextTurn();
    }
    const breaks = random() < 0.5;
    if (breaks) {
      for (let i = randomInt(random, 4); i >= 0 && client.isOpen; i--) {
        const item = random() < 0.5 ? breakingItem(random) : intactFrame(random);
        count(item.kind);
        await client.write(item.bytes);
      }
      // The server closes on an oversize announcement; otherwise it waits in vain for the rest.
      await client.waitFor((c) => !c.isOpen, 200);
    } else {
      await client.write(rawFrame(1019, ''));
      requests += 1;
      const answered = await client.waitFor((c) => c.replies >= requests, 20_000);
      const last = client.frames.filter((frame) => frame.type === 2000).at(-1)?.text;
      if (!answered || client.replies !== requests || last !== '200|PONG') {
        stats.problems.push(
          `an intact stream of ${requests} requests got ${client.replies} replies, the last ${JSON.stringify(last)}` +
            (client.isOpen ? '' : ' (closed by the server)'),
        );
      }
      stats.intactReplies += client.replies;
    }
    const ending = random();
    if (ending < 0.4) client.socket.end();
    else if (ending < 0.7) client.socket.destroy();
    else client.socket.resetAndDestroy();
    if (!(await client.waitFor((c) => !c.isOpen, 5000))) {
      stats.problems.push('a half-closed connection stayed open 5 s');
      await client.destroy();
    }
    check(client, stats);
  }
  stats.frames += written;
}

describeLong('fuzzing the server process', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-fuzz-'));
  });
  afterEach(async () => {
    await killServerProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('survives thousands of random and mutated frames from several connections, then serves normal users', async () => {
    const seed = Number(process.env['CHAT_TEST_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
    const server: ServerProcess = await startServerProcess({
      CHAT_DB: join(dir, 'chat.sqlite'),
      // Fuzzing is about the wire, not the disk: commits need not wait for it.
      CHAT_SQLITE_SYNCHRONOUS: 'NORMAL',
      // Thousands of garbage LOGINs from one address must not lock the final user out.
      CHAT_LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000000',
    });
    const setup = await FrameClient.connect(server.port);
    const users = Array.from({ length: LOGGED_IN_WORKERS }, (_, i) => `fuzzer${i}`);
    for (const user of users) expect((await setup.call(1000, [user, PASSWORD]))[0]).toBe('200');
    await setup.destroy();
    const startMemory = server.memory();

    const stats: FuzzStats = {
      frames: 0,
      connections: 0,
      byKind: Object.fromEntries(FUZZ_KINDS.map((kind) => [kind, 0])) as Record<FuzzKind, number>,
      statuses: new Map(),
      serverFrames: 0,
      intactReplies: 0,
      problems: [],
    };
    // A bystander pings all along: the worst round trip says whether the server kept up.
    const bystander = await FrameClient.connect(server.port);
    // Logged in, so the login deadline cannot end it during a long run.
    expect((await bystander.call(1000, ['bystander', PASSWORD]))[0]).toBe('200');
    expect((await bystander.call(1001, ['bystander', PASSWORD]))[0]).toBe('200');
    let fuzzing = true;
    let worstPing = 0;
    let pings = 0;
    const pinging = (async () => {
      while (fuzzing) {
        const sent = Date.now();
        expect(await bystander.call(1019)).toEqual(['200', 'PONG']);
        worstPing = Math.max(worstPing, Date.now() - sent);
        pings += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    let peakRss = startMemory.rss;
    const sampler = setInterval(() => {
      if (server.alive) peakRss = Math.max(peakRss, server.memory().rss);
    }, 100);

    const started = Date.now();
    try {
      const quota = Math.ceil(TOTAL_FRAMES / WORKERS);
      await Promise.all(
        Array.from({ length: WORKERS }, (_, i) =>
          fuzzWorker(server.port, seededRandom(seed + i), quota, i < LOGGED_IN_WORKERS ? users[i]! : null, stats),
        ),
      );
    } finally {
      fuzzing = false;
      clearInterval(sampler);
      await pinging;
    }
    const elapsed = Date.now() - started;
    const endMemory = server.memory();
    const summary = {
      seed,
      frames: stats.frames,
      connections: stats.connections,
      byKind: stats.byKind,
      serverFrames: stats.serverFrames,
      intactReplies: stats.intactReplies,
      statuses: Object.fromEntries(stats.statuses),
      elapsedMs: elapsed,
      pings,
      worstPingMs: worstPing,
      rssMiB: { start: mib(startMemory.rss), peak: mib(Math.max(peakRss, endMemory.peak)), end: mib(endMemory.rss) },
    };
    process.stdout.write(`\nfuzz run: ${JSON.stringify(summary)}\n`);

    // Still the same process, and it said nothing at error level (no failed request, no broken connection).
    expect(server.alive).toBe(true);
    expect(server.logs().filter((line) => line.level === 'error')).toEqual([]);
    expect(server.otherOutput()).toBe('');
    // Only well-formed server frames, and replies with the statuses a client may see.
    expect(stats.problems).toEqual([]);
    expect([...stats.statuses.keys()].filter((status) => !EXPECTED_STATUSES.has(status))).toEqual([]);
    // The fuzz reached real commands: successes and each kind of refusal.
    for (const status of ['200', '400', '401', '404']) expect(stats.statuses.get(status) ?? 0).toBeGreaterThan(0);
    expect(stats.intactReplies).toBeGreaterThan(TOTAL_FRAMES / 4);
    expect(stats.frames).toBeGreaterThanOrEqual(TOTAL_FRAMES);
    expect(worstPing).toBeLessThan(2000);
    // Memory stays bounded: the peak resident size grew by far less than what was written at it.
    expect(endMemory.peak - startMemory.rss).toBeLessThan(256 * 1024 * 1024);

    // Afterwards: PING, and two new users who log in and chat.
    const fresh = await FrameClient.connect(server.port);
    expect(await fresh.call(1019)).toEqual(['200', 'PONG']);
    const [, aliceId] = await fresh.call(1000, ['after_fuzz_alice', PASSWORD]);
    const bobClient = await FrameClient.connect(server.port);
    const [, bobId] = await bobClient.call(1000, ['after_fuzz_bob', PASSWORD]);
    expect(await fresh.call(1001, ['after_fuzz_alice', PASSWORD])).toEqual(['200', aliceId, 'after_fuzz_alice']);
    expect(await bobClient.call(1001, ['after_fuzz_bob', PASSWORD])).toEqual(['200', bobId, 'after_fuzz_bob']);
    expect(await fresh.call(1003, [bobId!, 'still | here'])).toEqual(['200', 'Message sent']);
    expect(await bobClient.call(1019)).toEqual(['200', 'PONG']);
    const push = bobClient.frames.find((frame) => frame.type === 2001);
    expect(push?.text).toMatch(new RegExp(`^${aliceId}\\|after_fuzz_alice\\|still \\\\\\| here\\|\\d+$`));
    await Promise.all([fresh.destroy(), bobClient.destroy(), bystander.destroy()]);
  }, 300_000);
});

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
