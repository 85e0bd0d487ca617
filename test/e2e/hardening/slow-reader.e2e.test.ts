import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitFields } from '../../../src/adapters/protocol/fields';
import { AwaitableLogger } from '../../support/awaitable-logger';
import { startTestServer, type TestServer } from '../../support/e2e-server';
import { describeLong } from '../../support/long-tests';
import { connectionIdOf, killServerProcesses, startServerProcess, type ServerProcess } from '../../support/server-process';
import { TestClient } from '../../support/test-client';

/**
 * A logged-in client that stops reading while thousands of 4 KB messages are sent to it
 * (PROTOCOL §7 and the delivery rule of §3). The server must close it at its output
 * limit instead of buffering without end, keep serving everyone else, and lose nothing:
 * what the slow client can still read from its socket after resuming, plus what it then
 * fetches with GET_OFFLINE_MESSAGES, is every message sent, each exactly once.
 *
 * The full run (5,000 messages, the server in a process of its own, a third client's PING
 * timed throughout) is long; a quick one in-process keeps the accounting in `npm test`.
 */

const CONTENT_BYTES = 4096;
/** Requests the sender keeps in flight. */
const IN_FLIGHT = 64;
const PASSWORD = 'password123';

/** Message `n`: its number, then padding to exactly CONTENT_BYTES bytes. */
function content(n: number): string {
  return `#${n}#`.padEnd(CONTENT_BYTES, 'x');
}

function numberOf(text: string): number {
  const match = /^#(\d+)#x*$/.exec(text);
  if (!match) throw new Error(`not a numbered message: ${text.slice(0, 40)}`);
  return Number(match[1]);
}

interface User {
  readonly client: TestClient;
  readonly id: number;
}

async function loggedIn(port: number, name: string, register = true): Promise<User> {
  const client = await TestClient.connect(port);
  if (register) await client.call(1000, [name, PASSWORD]);
  const [status, id] = await client.call(1001, [name, PASSWORD]);
  if (status !== '200') throw new Error(`login ${name}: ${status}`);
  return { client, id: Number(id) };
}

/** Sends messages 0..count-1 from `sender` to `receiverId`, IN_FLIGHT at a time; resolves with every reply. */
async function sendNumbered(sender: User, receiverId: number, count: number): Promise<string[]> {
  const acks: string[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const n = next++;
      acks[n] = (await sender.client.call(1003, [receiverId, content(n)])).join('|');
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return acks;
}

/** Lets a paused client read again, until the server's end: the numbers of the messages it got whole. */
async function readWhatIsLeft(client: TestClient): Promise<number[]> {
  client.socket.resume();
  await client.closed;
  return client.received.filter((frame) => frame.type === 2001).map((frame) => numberOf(splitFields(frame.payload)[2]!));
}

/** GET_OFFLINE_MESSAGES until `0`: the numbers, in the order returned. */
async function fetchOffline(client: TestClient, senderId: number): Promise<number[]> {
  const fetched: number[] = [];
  for (;;) {
    const [count, ...fields] = await client.call(1014);
    if (count === '0') return fetched;
    expect(fields).toHaveLength(Number(count) * 4);
    for (let i = 0; i < fields.length; i += 4) {
      expect(fields.slice(i, i + 2)).toEqual([String(senderId), 'alice']);
      fetched.push(numberOf(fields[i + 2]!));
    }
  }
}

function duplicates(numbers: readonly number[]): number[] {
  const seen = new Set<number>();
  return numbers.filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
}

const ascending = (numbers: readonly number[]): number[] => [...numbers].sort((a, b) => a - b);

/** Delivered through the socket plus fetched later is everything sent, each once, each path in order. */
function expectEveryMessageOnce(delivered: readonly number[], fetched: readonly number[], sent: number): void {
  expect(duplicates(fetched)).toEqual([]);
  expect(duplicates(delivered)).toEqual([]);
  expect(delivered).toEqual(ascending(delivered));
  expect(fetched).toEqual(ascending(fetched));
  const fetchedSet = new Set(fetched);
  expect(delivered.filter((n) => fetchedSet.has(n))).toEqual([]);
  expect(delivered.length + fetched.length).toBe(sent);
  expect(ascending([...delivered, ...fetched])).toEqual(Array.from({ length: sent }, (_, n) => n));
  // The limit bit: some came through the socket, the rest waited.
  expect(delivered.length).toBeGreaterThan(0);
  expect(fetched.length).toBeGreaterThan(0);
}


describe('a client that stops reading (quick, in-process)', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('is closed at the output limit, and what it read plus what it fetches is every message, once', async () => {
    const logger = new AwaitableLogger();
    // In-process storage: the point is the transport's accounting, and it is fast.
    t = await startTestServer({ storage: 'in-memory', maxOutputBytes: 64 * 1024, logger });
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const bobClosed = logger.waitFor(
      (message, fields) => message === 'connection closed' && fields?.['reason'] === 'output limit',
    );
    bob.client.socket.pause();

    // More than the kernel's socket buffers hold on loopback (a few MB here).
    const sent = 2500;
    const acks = await sendNumbered(alice, bob.id, sent);
    expect(acks.filter((ack) => ack !== '200|Message sent')).toEqual([]);
    // Every push was written before its sender's reply, so the limit was passed by now if ever.
    let giveUp: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      bobClosed.then(() => 'closed at the output limit'),
      new Promise<string>((resolve) => (giveUp = setTimeout(() => resolve('still open: the kernel buffers took it all'), 10_000))),
    ]);
    clearTimeout(giveUp);
    expect(closed).toBe('closed at the output limit');

    const delivered = await readWhatIsLeft(bob.client);
    const again = await loggedIn(t.port, 'bob', false);
    const fetched = await fetchOffline(again.client, alice.id);
    await again.client.destroy();
    expectEveryMessageOnce(delivered, fetched, sent);
  }, 60_000);
});

describeLong('a client that stops reading (5,000 messages, server process)', () => {
  const MESSAGES = 5000;
  /** Low, so the limit is reached long before the kernel's socket buffers would hold everything. */
  const MAX_OUTPUT_BYTES = 256 * 1024;
  let dir: string;
  let clients: TestClient[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-slow-'));
  });
  afterEach(async () => {
    await Promise.all(clients.map((client) => client.destroy()));
    clients = [];
    await killServerProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is closed at the output limit while a third client is served within a second, and loses or repeats no message', async () => {
    const server: ServerProcess = await startServerProcess({
      CHAT_DB: join(dir, 'chat.sqlite'),
      CHAT_MAX_OUTPUT_BYTES: String(MAX_OUTPUT_BYTES),
    });
    const alice = await loggedIn(server.port, 'alice');
    const bob = await loggedIn(server.port, 'bob');
    const carol = await loggedIn(server.port, 'carol');
    clients.push(alice.client, bob.client, carol.client);

    const bobConnection = await connectionIdOf(server, bob.client.socket.localPort!);
    const bobClosed = server.waitForLog(
      (line) => line.msg === 'connection closed' && line['connection'] === bobConnection,
      240_000,
    );
    // From here on bob reads nothing: what is sent to him piles up in his socket, then in the server.
    bob.client.socket.pause();

    let sending = true;
    let worstPing = 0;
    let pings = 0;
    const pinging = (async () => {
      while (sending) {
        const sentAt = Date.now();
        expect(await carol.client.call(1019)).toEqual(['200', 'PONG']);
        worstPing = Math.max(worstPing, Date.now() - sentAt);
        pings += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const started = Date.now();
    let acks: string[];
    try {
      acks = await sendNumbered(alice, bob.id, MESSAGES);
    } finally {
      sending = false;
      await pinging;
    }
    const sendingMs = Date.now() - started;
    expect(acks.filter((ack) => ack !== '200|Message sent')).toEqual([]);
    expect(acks).toHaveLength(MESSAGES);

    // The server closed bob for his unread output, not for anything else, and is still up.
    expect((await bobClosed)['reason']).toBe('output limit');
    expect(server.alive).toBe(true);

    const delivered = await readWhatIsLeft(bob.client);
    const again = await loggedIn(server.port, 'bob', false);
    clients.push(again.client);
    const fetched = await fetchOffline(again.client, alice.id);

    process.stdout.write(
      `\nslow reader: ${MESSAGES} sent in ${sendingMs} ms; ${delivered.length} read from the socket after resuming, ` +
        `${fetched.length} fetched offline; worst PING ${worstPing} ms over ${pings} pings; ` +
        `server peak RSS ${Math.round(server.memory().peak / 1048576)} MiB\n`,
    );
    expectEveryMessageOnce(delivered, fetched, MESSAGES);
    // Everyone else was served throughout.
    expect(pings).toBeGreaterThan(10);
    expect(worstPing).toBeLessThan(1000);
    // Bounded: the server held at most its output limit for bob, not the 20 MB sent to him.
    expect(server.memory().peak).toBeLessThan(300 * 1024 * 1024);
  }, 300_000);
});
