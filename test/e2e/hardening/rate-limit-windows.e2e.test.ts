import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameClient } from '../../support/frame-client';
import { killServerProcesses, startServerProcess, type ServerProcess } from '../../support/server-process';

/**
 * Every 429 path of the server process, configured the way an operator does it
 * (CHAT_RATE_*, CHAT_LOGIN_*), with a window of one second that the test lets pass
 * for real: the limit bites, other users, connections and addresses are untouched,
 * and once the window is over the right password works again.
 */

const WINDOW_MS = 1000;
const PASSWORD = 'password123';

interface Timed<T> {
  readonly value: T;
  /** When the request was written and when its reply came, in Date.now() milliseconds. */
  readonly sentAt: number;
  readonly answeredAt: number;
}

async function timed<T>(request: () => Promise<T>): Promise<Timed<T>> {
  const sentAt = Date.now();
  const value = await request();
  return { value, sentAt, answeredAt: Date.now() };
}

/**
 * Repeats `attempt` every `everyMs` until `done` says so; resolves with every answer.
 * The pace is a timer, not a wait for something: a window passing is not an event.
 */
async function retryUntil<T>(
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
  { everyMs = 100, withinMs = 5000 } = {},
): Promise<Timed<T>[]> {
  const answers: Timed<T>[] = [];
  const deadline = Date.now() + withinMs;
  for (;;) {
    const answer = await timed(attempt);
    answers.push(answer);
    if (done(answer.value)) return answers;
    if (Date.now() > deadline) throw new Error(`still not done after ${withinMs} ms: ${JSON.stringify(answer.value)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

describe('rate limits over time, configured through the environment', () => {
  let dir: string;
  let clients: FrameClient[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chat-rate-'));
  });
  afterEach(async () => {
    await Promise.all(clients.map((client) => client.destroy()));
    clients = [];
    await killServerProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(env: Record<string, string>): Promise<ServerProcess> {
    return startServerProcess({ CHAT_DB: join(dir, 'chat.sqlite'), ...env });
  }

  async function connect(server: ServerProcess, localAddress?: string): Promise<FrameClient> {
    const client = await FrameClient.connect(server.port, localAddress ? { localAddress } : {});
    clients.push(client);
    return client;
  }

  async function register(server: ServerProcess, ...names: string[]): Promise<void> {
    const client = await connect(server);
    for (const name of names) expect((await client.call(1000, [name, PASSWORD]))[0]).toBe('200');
  }

  it('per connection: past CHAT_RATE_BURST a request is answered 429 unprocessed, and served again once the bucket refills', async () => {
    const server = await start({ CHAT_RATE_BURST: '5', CHAT_RATE_PER_S: '4' });
    const client = await connect(server);
    const replies = Promise.all(Array.from({ length: 8 }, () => client.call(1019)));
    const burstAt = Date.now();
    // Eight PINGs in one write: five tokens, then nothing has had time to flow back.
    const answers = await replies;
    expect(answers.map((fields) => fields.join('|'))).toEqual([
      ...Array.from({ length: 5 }, () => '200|PONG'),
      ...Array.from({ length: 3 }, () => '429|Too many requests'),
    ]);
    // Another connection has a budget of its own.
    const other = await connect(server);
    expect(await other.call(1019)).toEqual(['200', 'PONG']);

    // One token flows back every 250 ms; a refused request takes none.
    const tries = await retryUntil(() => client.call(1019), (fields) => fields[0] === '200');
    const served = tries.at(-1)!;
    expect(served.value).toEqual(['200', 'PONG']);
    expect(served.answeredAt - burstAt).toBeGreaterThanOrEqual(150);
    expect(served.answeredAt - burstAt).toBeLessThan(2000);
    expect(tries.slice(0, -1).every((t) => t.value.join('|') === '429|Too many requests')).toBe(true);
    expect(client.isOpen).toBe(true);
    expect(client.problems).toEqual([]);
  });

  it('per username: after CHAT_LOGIN_MAX_FAILURES failures LOGIN answers 429 even with the right password, until CHAT_LOGIN_WINDOW_S passes', async () => {
    const server = await start({ CHAT_LOGIN_MAX_FAILURES: '3', CHAT_LOGIN_WINDOW_S: String(WINDOW_MS / 1000) });
    await register(server, 'alice', 'bob');
    const guesser = await connect(server);

    const firstFailure = await timed(() => guesser.call(1001, ['alice', 'wrong-guess-0']));
    expect(firstFailure.value).toEqual(['401', 'Invalid credentials']);
    for (let i = 1; i < 3; i++) expect(await guesser.call(1001, ['alice', `wrong-guess-${i}`])).toEqual(['401', 'Invalid credentials']);

    // Blocked: the right password, the name in other letters, and a fourth guess all get 429.
    const owner = await connect(server);
    expect(await owner.call(1001, ['alice', PASSWORD])).toEqual(['429', 'Too many attempts']);
    expect(await owner.call(1001, ['ALICE', PASSWORD])).toEqual(['429', 'Too many attempts']);
    expect(await guesser.call(1001, ['alice', 'wrong-guess-3'])).toEqual(['429', 'Too many attempts']);
    // Only that username: bob logs in from the same address.
    expect((await (await connect(server)).call(1001, ['bob', PASSWORD]))[0]).toBe('200');

    const tries = await retryUntil(() => owner.call(1001, ['alice', PASSWORD]), (fields) => fields[0] !== '429');
    const success = tries.at(-1)!;
    expect(success.value).toEqual(['200', expect.stringMatching(/^\d+$/), 'alice']);
    // Not before the window counted from the first failure, and not long after it.
    expect(success.answeredAt).toBeGreaterThanOrEqual(firstFailure.sentAt + WINDOW_MS);
    expect(success.answeredAt).toBeLessThan(firstFailure.answeredAt + WINDOW_MS + 1500);

    // The success cleared the count: two new mistakes are 401s, and the right password still works.
    const later = await connect(server);
    expect(await later.call(1001, ['alice', 'wrong-again-1'])).toEqual(['401', 'Invalid credentials']);
    expect(await later.call(1001, ['alice', 'wrong-again-2'])).toEqual(['401', 'Invalid credentials']);
    expect((await later.call(1001, ['alice', PASSWORD]))[0]).toBe('200');
  });

  it('per address: after CHAT_LOGIN_MAX_FAILURES_PER_ADDRESS failures LOGIN from that address answers 429, other addresses log in, and the window ends it', async () => {
    const server = await start({
      CHAT_LOGIN_MAX_FAILURES_PER_ADDRESS: '4',
      CHAT_LOGIN_MAX_FAILURES: '10',
      CHAT_LOGIN_WINDOW_S: String(WINDOW_MS / 1000),
    });
    await register(server, 'carol', 'dave');

    // Four failures from 127.0.0.1, one per username (each far under the per-username limit), from two sockets.
    const first = await connect(server, '127.0.0.1');
    const firstFailure = await timed(() => first.call(1001, ['carol', 'wrong-guess']));
    expect(firstFailure.value).toEqual(['401', 'Invalid credentials']);
    expect(await first.call(1001, ['dave', 'wrong-guess'])).toEqual(['401', 'Invalid credentials']);
    const second = await connect(server, '127.0.0.1');
    expect(await second.call(1001, ['nobody1', 'wrong-guess'])).toEqual(['401', 'Invalid credentials']);
    expect(await second.call(1001, ['nobody2', 'wrong-guess'])).toEqual(['401', 'Invalid credentials']);

    const blocked = await connect(server, '127.0.0.1');
    expect(await blocked.call(1001, ['carol', PASSWORD])).toEqual(['429', 'Too many attempts']);
    // The form is still checked first, and other commands from the address still run.
    expect(await blocked.call(1001, 'carol')).toEqual(['400', 'Expected username|password']);
    expect(await blocked.call(1019)).toEqual(['200', 'PONG']);

    // Another address is not blocked by this one's failures.
    const elsewhere = await connect(server, '127.0.0.2');
    expect(elsewhere.socket.localAddress).toBe('127.0.0.2');
    expect(await elsewhere.call(1001, ['dave', PASSWORD])).toEqual(['200', expect.stringMatching(/^\d+$/), 'dave']);

    const tries = await retryUntil(() => blocked.call(1001, ['carol', PASSWORD]), (fields) => fields[0] !== '429');
    const success = tries.at(-1)!;
    expect(success.value).toEqual(['200', expect.stringMatching(/^\d+$/), 'carol']);
    expect(success.answeredAt).toBeGreaterThanOrEqual(firstFailure.sentAt + WINDOW_MS);
    expect(success.answeredAt).toBeLessThan(firstFailure.answeredAt + WINDOW_MS + 1500);
    expect(tries.length).toBeGreaterThan(1);
  });
});
