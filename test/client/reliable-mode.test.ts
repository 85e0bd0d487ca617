import { ChatClient } from '../../src/client/chat-client';
import { ChatError, ConnectionClosedError } from '../../src/client/client-errors';
import { reconnectDelay, reliableSettings, type ReliableOptions, type SavedSession } from '../../src/client/reliable-mode';
import { recordEvents, type EventLog } from './support/event-log';
import { FakeServer, frame, type FakePeer } from './support/fake-server';

const T = 1_700_000_000_123;
const FAR = Date.now() + 30 * 24 * 60 * 60 * 1000;

/** An embedder's token store, in memory, remembering every save. */
class MemoryTokenStore {
  readonly saves: (SavedSession | null)[] = [];
  constructor(public saved: SavedSession | null = null) {}
  readonly loadToken = async (): Promise<SavedSession | null> => this.saved;
  readonly saveToken = async (session: SavedSession | null): Promise<void> => {
    this.saves.push(session);
    this.saved = session;
  };
}

const direct = (id: number, content = `m${id}`): Buffer => frame(2013, `${id}|2|bob|${content}|${T}`);
const group = (id: number, content = `g${id}`): Buffer => frame(2014, `${id}|4|team|2|bob|${content}|${T}`);

describe('ChatClient in reliable mode, against a scripted server', () => {
  let server: FakeServer;
  let client: ChatClient;
  let peer: FakePeer;
  let store: MemoryTokenStore;
  let events: EventLog;

  async function makeSut(options: Partial<ReliableOptions> = {}, saved: SavedSession | null = null): Promise<void> {
    server = await FakeServer.start();
    store = new MemoryTokenStore(saved);
    const accepted = server.accept();
    client = await ChatClient.connect({
      port: server.port,
      reliable: { loadToken: store.loadToken, saveToken: store.saveToken, reconnectDelayMs: 5, maxReconnectDelayMs: 40, ...options },
    });
    events = recordEvents(client);
    peer = await accepted;
  }

  /** Expects the next request on `on` and answers it with these frames. */
  async function answer(on: FakePeer, type: number, payload: string, ...reply: Buffer[]): Promise<void> {
    expect(await on.request()).toEqual({ type, payload });
    if (reply.length > 0) await on.write(Buffer.concat(reply));
  }

  /** LOGIN, then the token and acks reliable mode asks for. */
  async function logIn(): Promise<void> {
    const login = client.login('alice', 'password123');
    await answer(peer, 1001, 'alice|password123', frame(2000, '200|7|alice'));
    await answer(peer, 1021, '', frame(2000, `200|tok-1|${FAR}`));
    await answer(peer, 1023, '', frame(2000, '200|Acks enabled'));
    expect(await login).toEqual({ userId: 7, username: 'alice' });
  }

  /** The next connection: RESUME with tok-1, acks again, then `pushed` right after the 200. */
  async function acceptResume(...pushed: Buffer[]): Promise<FakePeer> {
    const next = await server.accept();
    await answer(next, 1022, 'alice|tok-1', frame(2000, '200|7|alice'));
    await answer(next, 1023, '', frame(2000, '200|Acks enabled'), ...pushed);
    return next;
  }

  afterEach(async () => {
    client?.destroy();
    await server?.close();
  });

  it('after LOGIN fetches a session token, saves it with the name as registered, and enables acks', async () => {
    await makeSut();
    await logIn();
    expect(store.saves).toEqual([{ username: 'alice', token: 'tok-1', expiresAt: FAR }]);
    expect(client.acksEnabled).toBe(true);
    expect(client.user).toEqual({ userId: 7, username: 'alice' });
  });

  it('acknowledges a full batch at once, in one ACK, after every message of it was emitted', async () => {
    await makeSut({ ackBatchSize: 50, ackDelayMs: 60_000 });
    await logIn();
    const emitted: number[] = [];
    const acksInFlightAtEmit: number[] = [];
    client.on('message', (m) => {
      emitted.push(m.messageId!);
      acksInFlightAtEmit.push(client.pendingRequests);
    });
    const ids = Array.from({ length: 50 }, (_, i) => 100 + i);
    await peer.write(Buffer.concat(ids.map((id) => direct(id))));
    const ack = await peer.request();
    expect(ack).toEqual({ type: 1024, payload: ids.join('|') });
    expect(emitted).toEqual(ids);
    // Each message reached the application before any ACK covering it left.
    expect(acksInFlightAtEmit).toEqual(ids.map(() => 0));
    peer.send(2000, '200|50');
  });

  it('acknowledges fewer than a batch once, after the delay', async () => {
    await makeSut({ ackBatchSize: 50, ackDelayMs: 80 });
    await logIn();
    const started = performance.now();
    await peer.write(Buffer.concat([direct(5), group(6), direct(7)]));
    expect(await peer.request()).toEqual({ type: 1024, payload: '5|6|7' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(60);
    peer.send(2000, '200|3');
    // Nothing more was acknowledged: the next request on the wire is this PING.
    const pong = client.ping();
    await answer(peer, 1019, '', frame(2000, '200|PONG'));
    await pong;
    expect(events.message.pending.map((m) => m.messageId)).toEqual([5, 7]);
    expect(events.groupMessage.pending.map((m) => m.messageId)).toEqual([6]);
  });

  it('emits a message once however often it comes, and acknowledges every copy', async () => {
    await makeSut({ ackBatchSize: 4, ackDelayMs: 60_000 });
    await logIn();
    await peer.write(Buffer.concat([direct(5), group(6), direct(5), group(6)]));
    expect(await peer.request()).toEqual({ type: 1024, payload: '5|6|5|6' });
    expect(events.message.pending.map((m) => m.messageId)).toEqual([5]);
    expect(events.groupMessage.pending.map((m) => m.messageId)).toEqual([6]);
  });

  it('forgets the oldest ids past its memory, so memory stays bounded', async () => {
    await makeSut({ ackBatchSize: 4, ackDelayMs: 60_000, rememberedMessageIds: 2 });
    await logIn();
    // 1 is forgotten once 2 and 3 came: its copy is emitted again; 3's copy is not.
    await peer.write(Buffer.concat([direct(1), direct(2), direct(3), direct(1), direct(3)]));
    await peer.request();
    expect(events.message.pending.map((m) => m.messageId)).toEqual([1, 2, 3, 1]);
  });

  it('after a dropped connection: rejects what was pending, reconnects, RESUMEs, and gets what it missed once', async () => {
    await makeSut({ ackBatchSize: 3, ackDelayMs: 60_000 });
    await logIn();
    await peer.write(direct(5));
    await events.message.next();
    const friends = client.getFriendList();
    await peer.request();
    peer.drop();
    await expect(friends).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await events.disconnected.next()).toBeInstanceOf(ConnectionClosedError);
    expect(client.isOpen).toBe(true);
    expect(client.user).toBeNull();
    // Meanwhile requests fail at once: nothing waits to be sent later.
    if (!client.isConnected) await expect(client.ping()).rejects.toThrow('not connected (reconnecting)');

    // 5 was never acknowledged (the batch was dropped with the connection): it comes again, with 8.
    const order: string[] = [];
    client.on('reconnected', () => order.push('reconnected'));
    client.on('message', (m) => order.push(`message ${m.messageId}`));
    const next = await acceptResume(direct(5), direct(8), group(9));
    expect(await events.reconnected.next()).toEqual({ userId: 7, username: 'alice' });
    expect((await events.message.next()).messageId).toBe(8);
    expect((await events.groupMessage.next()).messageId).toBe(9);
    expect(await next.request()).toEqual({ type: 1024, payload: '5|8|9' });
    // Applications hear of the reconnection before what it brings.
    expect(order).toEqual(['reconnected', 'message 8']);
    expect(events.message.pending).toEqual([]);
    expect(client.user).toEqual({ userId: 7, username: 'alice' });
    // The token was good for long: kept, not replaced.
    expect(store.saves).toHaveLength(1);
    expect(events.disconnected.pending).toEqual([]);
    expect(events.close.pending).toEqual([]);
  });

  it('acknowledgements waiting when the connection drops are dropped, not sent on the next one', async () => {
    await makeSut({ ackBatchSize: 50, ackDelayMs: 60_000 });
    await logIn();
    await peer.write(direct(9));
    await events.message.next();
    peer.drop();
    const next = await acceptResume(direct(9));
    await events.reconnected.next();
    // The PONG comes after the redelivered copy: it has been taken in.
    const pong = client.ping();
    await answer(next, 1019, '', frame(2000, '200|PONG'));
    await pong;
    // close() sends what waits: only the redelivered copy.
    const closing = client.close();
    await answer(next, 1024, '9', frame(2000, '200|1'));
    await closing;
    expect(await client.closed).toBeUndefined();
  });

  it('backs off exponentially up to the cap while the server is away, then comes back', async () => {
    await makeSut({ reconnectDelayMs: 4, maxReconnectDelayMs: 32, random: () => 0.5 });
    await logIn();
    const port = server.port;
    await server.close(); // drops the connection and refuses new ones
    await events.disconnected.next();
    const delays: number[] = [];
    for (let i = 1; i <= 6; i++) {
      const attempt = await events.reconnecting.next();
      expect(attempt.attempt).toBe(i);
      delays.push(attempt.delayMs);
    }
    // 4, 8, 16, 32, 32, 32 ms, each at 3/4 by the jitter.
    expect(delays).toEqual([3, 6, 12, 24, 24, 24]);
    server = await FakeServer.start(port);
    await acceptResume();
    expect(await events.reconnected.next()).toEqual({ userId: 7, username: 'alice' });
    expect(events.disconnected.pending).toEqual([]);
  });

  it('keeps a jittered delay between half and all of the exponential one', () => {
    const at = (random: number) => reliableSettings({ loadToken: async () => null, saveToken: async () => undefined, random: () => random });
    expect([1, 2, 3, 8, 20].map((n) => reconnectDelay(n, at(0)))).toEqual([50, 100, 200, 5_000, 5_000]);
    expect([1, 2, 3, 8, 20].map((n) => reconnectDelay(n, at(0.999_999)))).toEqual([100, 200, 400, 10_000, 10_000]);
  });

  it.each([
    [401, 'Invalid credentials'],
    [403, 'Account banned'],
  ])('a RESUME refused with %i forgets the token, stops reconnecting and closes', async (status, text) => {
    await makeSut();
    await logIn();
    peer.drop();
    const next = await server.accept();
    await answer(next, 1022, 'alice|tok-1', frame(2000, `${status}|${text}`));
    const failure = await events.reconnectFailed.next();
    expect(failure).toBeInstanceOf(ChatError);
    expect(failure).toMatchObject({ status, text });
    expect(await client.closed).toBe(failure);
    expect(await events.close.next()).toBe(failure);
    expect(store.saved).toBeNull();
    expect(client.isOpen).toBe(false);
    await next.closed;
    // Only the attempt that was refused: no other was scheduled.
    expect((await events.reconnecting.next()).attempt).toBe(1);
    expect(events.reconnecting.pending).toEqual([]);
  });

  it.each(['429|Too many attempts', '500|Server error'])('retries a RESUME answered %s on a new connection', async (reply) => {
    await makeSut();
    await logIn();
    peer.drop();
    const busy = await server.accept();
    await answer(busy, 1022, 'alice|tok-1', frame(2000, reply));
    await busy.closed;
    await acceptResume();
    expect(await events.reconnected.next()).toEqual({ userId: 7, username: 'alice' });
    expect(store.saved?.token).toBe('tok-1');
  });

  it('before login a lost connection closes the client as without reliable mode', async () => {
    await makeSut();
    peer.drop();
    expect(await client.closed).toBeInstanceOf(ConnectionClosedError);
    expect(events.disconnected.pending).toEqual([]);
    expect(client.isOpen).toBe(false);
  });

  it('on a server without §8 logs in all the same, not resumable: a lost connection closes the client', async () => {
    await makeSut();
    const login = client.login('alice', 'password123');
    await answer(peer, 1001, 'alice|password123', frame(2000, '200|7|alice'));
    await answer(peer, 1021, '', frame(2000, '400|Unknown command'));
    expect(await login).toEqual({ userId: 7, username: 'alice' });
    expect(client.acksEnabled).toBe(false);
    expect(store.saves).toEqual([]);
    peer.drop();
    expect(await client.closed).toBeInstanceOf(ConnectionClosedError);
    expect(events.disconnected.pending).toEqual([]);
  });

  it('logout forgets the token, and a later lost connection is not resumed', async () => {
    await makeSut();
    await logIn();
    const logout = client.logout();
    await answer(peer, 1002, '', frame(2000, '200|Logged out successfully'));
    await logout;
    expect(store.saved).toBeNull();
    expect(client.acksEnabled).toBe(false);
    peer.drop();
    expect(await client.closed).toBeInstanceOf(ConnectionClosedError);
    expect(events.disconnected.pending).toEqual([]);
  });

  it('close() while reconnecting stops it and closes quietly', async () => {
    await makeSut({ reconnectDelayMs: 60_000, maxReconnectDelayMs: 60_000 });
    await logIn();
    peer.drop();
    await events.reconnecting.next();
    expect(client.isConnected).toBe(false);
    await client.close();
    expect(await client.closed).toBeUndefined();
    expect(await events.close.next()).toBeUndefined();
    expect(client.isOpen).toBe(false);
  });

  it('resumeSaved() resumes a session saved earlier and replaces a token about to expire', async () => {
    const soon = Date.now() + 60_000;
    await makeSut({}, { username: 'alice', token: 'old|one', expiresAt: soon });
    const resumed = client.resumeSaved();
    await answer(peer, 1022, 'alice|old\\|one', frame(2000, '200|7|alice'));
    await answer(peer, 1021, '', frame(2000, `200|tok-2|${FAR}`));
    await answer(peer, 1023, '', frame(2000, '200|Acks enabled'));
    expect(await resumed).toEqual({ userId: 7, username: 'alice' });
    expect(store.saved).toEqual({ username: 'alice', token: 'tok-2', expiresAt: FAR });
  });

  it('resumeSaved() resolves null when nothing is saved, and forgets a refused token', async () => {
    await makeSut();
    expect(await client.resumeSaved()).toBeNull();
    store.saved = { username: 'alice', token: 'dead', expiresAt: FAR };
    const resumed = client.resumeSaved();
    await answer(peer, 1022, 'alice|dead', frame(2000, '401|Invalid credentials'));
    await expect(resumed).rejects.toMatchObject({ status: 401 });
    expect(store.saved).toBeNull();
    expect(client.isOpen).toBe(true);
  });

  it('refuses nonsense reliable options before connecting', () => {
    const reliable = { loadToken: async () => null, saveToken: async () => undefined };
    expect(() => ChatClient.connect({ port: 1, reliable: { ...reliable, ackBatchSize: 1001 } })).toThrow(RangeError);
    expect(() => ChatClient.connect({ port: 1, reliable: { ...reliable, ackDelayMs: -1 } })).toThrow(RangeError);
    expect(() => ChatClient.connect({ port: 1, reliable: { ...reliable, rememberedMessageIds: 0 } })).toThrow(RangeError);
  });
});
