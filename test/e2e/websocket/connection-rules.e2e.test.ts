import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitFields } from '../../../src/adapters/protocol/fields';
import { runAdmin } from '../../../src/bootstrap/admin-cli';
import { befriend, startTestServer, type TestServer } from '../../support/e2e-server';
import { logIn } from '../../support/test-client';
import { AwaitableLogger } from '../../support/awaitable-logger';
import { openWebSocket, webSocketUser, type WebSocketTestClient } from './websocket-fixture';

/** Resolves at the first pong that arrives `ms` or more after now (pongs as the clock: the client is pinging). */
function pongAfter(ws: WebSocketTestClient['ws'], ms: number): Promise<void> {
  const until = performance.now() + ms;
  return new Promise((resolve) => {
    const onPong = (): void => {
      if (performance.now() < until) return;
      ws.off('pong', onPong);
      resolve();
    };
    ws.on('pong', onPong);
  });
}

describe('WebSocket connections follow the same rules as TCP (PROTOCOL §7)', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('closes an idle WebSocket with 1008 idle; WebSocket pings from the client count as traffic', async () => {
    t = await startTestServer({ httpPort: 0, idleTimeoutMs: 600 });
    const pinger = await webSocketUser(t, 'alice');
    const silent = await webSocketUser(t, 'bob');
    const opened = performance.now();
    const pings = setInterval(() => pinger.ws.ping(), 100);
    try {
      expect(await silent.closed).toEqual({ code: 1008, reason: 'idle' });
      expect(performance.now() - opened).toBeGreaterThanOrEqual(500);
      // Three idle periods with nothing but pings: still open.
      await pongAfter(pinger.ws, 1800 - (performance.now() - opened));
      expect(pinger.ws.readyState).toBe(pinger.ws.OPEN);
      expect(await pinger.client.call(1019)).toEqual(['200', 'PONG']);
    } finally {
      clearInterval(pings);
    }
  });

  it('closes a WebSocket not logged in by the login deadline with 1008 login timeout; a logged-in one stays', async () => {
    t = await startTestServer({ httpPort: 0, loginTimeoutMs: 400 });
    const loggedIn = await webSocketUser(t, 'alice');
    const anonymous = await openWebSocket(t);
    expect(await anonymous.client.call(1019)).toEqual(['200', 'PONG']);
    expect(await anonymous.closed).toEqual({ code: 1008, reason: 'login timeout' });
    expect(await loggedIn.client.call(1019)).toEqual(['200', 'PONG']);
  });

  it('answers requests past the burst with 429 Too many requests, in order, and keeps the WebSocket open', async () => {
    t = await startTestServer({ httpPort: 0, rateBurst: 3, ratePerSecond: 1 });
    const { client, ws } = await openWebSocket(t);
    const replies = await Promise.all(Array.from({ length: 6 }, () => client.call(1019)));
    expect(replies.map((fields) => fields.join('|'))).toEqual([
      '200|PONG',
      '200|PONG',
      '200|PONG',
      '429|Too many requests',
      '429|Too many requests',
      '429|Too many requests',
    ]);
    expect(ws.readyState).toBe(ws.OPEN);
  });

  it('cuts a WebSocket that stopped reading at the output limit; what it read plus what it fetches is every message, once', async () => {
    const logger = new AwaitableLogger();
    t = await startTestServer({ httpPort: 0, storage: 'in-memory', maxOutputBytes: 64 * 1024, logger });
    const alice = await t.user('alice');
    const bob = await webSocketUser(t, 'bob');
    const bobCut = logger.waitFor(
      (message, fields) => message === 'connection closed' && fields?.['transport'] === 'websocket' && fields['reason'] === 'output limit',
    );
    // Bob's client stops reading its socket.
    bob.ws.pause();
    const sent = 2500;
    const content = (n: number): string => `#${n}#`.padEnd(4096, 'x');
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < sent) {
        const n = next++;
        expect(await alice.client.call(1003, [bob.id, content(n)])).toEqual(['200', 'Message sent']);
      }
    };
    await Promise.all(Array.from({ length: 64 }, lane));
    let giveUp: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      bobCut.then(() => 'cut at the output limit'),
      new Promise<string>((resolve) => (giveUp = setTimeout(() => resolve('still open: the kernel buffers took it all'), 10_000))),
    ]);
    clearTimeout(giveUp);
    expect(outcome).toBe('cut at the output limit');

    bob.ws.resume();
    // Cut, not closed: there was no room left for a close frame.
    expect((await bob.closed).code).toBe(1006);
    const numberOf = (text: string): number => Number(/^#(\d+)#/.exec(text)![1]);
    const delivered = bob.client.received.filter((f) => f.type === 2001).map((f) => numberOf(splitFields(f.payload)[2]!));
    const again = (await logIn(t.port, 'bob', false)).client;
    const fetched: number[] = [];
    for (;;) {
      const [count, ...fields] = await again.call(1014);
      if (count === '0') break;
      for (let i = 0; i < fields.length; i += 4) fetched.push(numberOf(fields[i + 2]!));
    }
    expect(delivered.length).toBeGreaterThan(0);
    expect(fetched.length).toBeGreaterThan(0);
    expect([...delivered, ...fetched].sort((a, b) => a - b)).toEqual(Array.from({ length: sent }, (_, n) => n));
  }, 60_000);

  it('closes a banned user’s WebSocket with 1008 banned, and friends see the user go offline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-ws-ban-'));
    const database = join(dir, 'chat.sqlite');
    try {
      t = await startTestServer({ httpPort: 0, storage: database });
      const alice = await t.user('alice');
      const bob = await webSocketUser(t, 'bob');
      await befriend(alice, bob);
      const output: string[] = [];
      const io = { out: (line: string) => output.push(line), err: (line: string) => output.push(line) };
      expect(await runAdmin(['ban', 'bob'], { CHAT_DB: database }, io)).toBe(0);
      expect(await bob.closed).toEqual({ code: 1008, reason: 'banned' });
      expect(await alice.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'offline']);
      const again = await openWebSocket(t);
      expect(await again.client.call(1001, ['bob', 'password123'])).toEqual(['403', 'Account banned']);
    } finally {
      await t?.stop();
      t = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on shutdown closes WebSockets with 1001, after ending sessions in turn so friends on either transport see users go offline', async () => {
    t = await startTestServer({ httpPort: 0 });
    const alice = await webSocketUser(t, 'alice');
    const bob = await t.user('bob');
    const carol = await webSocketUser(t, 'carol');
    await befriend(alice, bob);
    await befriend(alice, carol);
    const bobSees = bob.client.nextPush(2006, (fields) => fields[0] === String(alice.id));
    const carolSees = carol.client.nextPush(2006, (fields) => fields[0] === String(alice.id));
    await t.server.close();
    // alice's session ends first, while bob (TCP) and carol (WebSocket) are still connected.
    expect(await bobSees).toEqual([String(alice.id), 'alice', 'offline']);
    expect(await carolSees).toEqual([String(alice.id), 'alice', 'offline']);
    expect(await alice.closed).toEqual({ code: 1001, reason: 'server shutdown' });
    expect(await carol.closed).toEqual({ code: 1001, reason: 'server shutdown' });
    await bob.client.closed;
  });
});
