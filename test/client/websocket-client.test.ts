import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { encodeFrame } from '../../src/adapters/protocol/frame-encoder';
import { ChatClient } from '../../src/client/chat-client';
import { ChatError, ConnectionClosedError, ProtocolError } from '../../src/client/client-errors';
import { webStorageSessions } from '../../src/client/web-storage-sessions';
import { decodeFrameMessage, encodeFrameMessage } from '../../src/client/websocket-client-channel';
import { startTestServer, type TestServer } from '../support/e2e-server';
import { recordEvents } from './support/event-log';

/** Web Storage over a Map, as a browser's localStorage behaves for one origin. */
class MapStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

describe('a frame per WebSocket message', () => {
  it('is encoded as the TCP encoder writes it', () => {
    for (const payload of ['', '200|PONG', 'héllo|wörld 🙂', 'a\\|b']) {
      expect(Buffer.from(encodeFrameMessage(2000, payload))).toEqual(encodeFrame(2000, payload));
    }
  });

  it('decodes back to its type and text', () => {
    expect(decodeFrameMessage(encodeFrameMessage(2001, '7|bob|hi 🙂|1700000000000'), 100)).toEqual({
      type: 2001,
      payload: '7|bob|hi 🙂|1700000000000',
    });
  });

  it('decodes a message that is a view into a larger buffer', () => {
    const bytes = encodeFrameMessage(2000, '200|ok');
    const larger = new Uint8Array(bytes.length + 10);
    larger.set(bytes, 5);
    expect(decodeFrameMessage(larger.subarray(5, 5 + bytes.length), 100)).toEqual({ type: 2000, payload: '200|ok' });
  });

  it('keeps a leading U+FEFF and replaces invalid UTF-8 as Buffer#toString does', () => {
    const bom = '\uFEFFtext';
    expect(decodeFrameMessage(encodeFrameMessage(2000, bom), 100).payload).toBe(bom);
    const invalid = Uint8Array.from([0x07, 0xd0, 0, 0, 0, 2, 0xff, 0x41]);
    expect(decodeFrameMessage(invalid, 100).payload).toBe(Buffer.from([0xff, 0x41]).toString('utf8'));
  });

  it('refuses what is not exactly one frame, or announces more than the limit', () => {
    expect(() => decodeFrameMessage(Uint8Array.from([7, 208, 0, 0]), 100)).toThrow(ProtocolError);
    const two = new Uint8Array([...encodeFrameMessage(2000, 'a'), ...encodeFrameMessage(2000, 'b')]);
    expect(() => decodeFrameMessage(two, 100)).toThrow(/holding a frame of 1 payload bytes/);
    expect(() => decodeFrameMessage(encodeFrameMessage(2000, 'x'.repeat(101)), 100)).toThrow(
      'the server sent a 101-byte payload (limit 100)',
    );
  });

  it('refuses a type that is not a uint16 (a bug in the caller)', () => {
    expect(() => encodeFrameMessage(70_000, '')).toThrow(RangeError);
  });
});

describe('ChatClient over the server\'s WebSocket', () => {
  let server: TestServer;
  let url: string;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    server = await startTestServer({ engine: 'in-memory', httpPort: 0, webRoot: null });
    url = `ws://127.0.0.1:${server.server.httpPort}/ws`;
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await server.stop();
  });

  const connect = async (storage?: MapStorage): Promise<ChatClient> => {
    const client = await ChatClient.connect({
      url,
      webSocket: WebSocket,
      requestTimeoutMs: 10_000,
      ...(storage ? { reliable: webStorageSessions(storage) } : {}),
    });
    clients.push(client);
    return client;
  };

  it('chats with a TCP client both ways, pushes included', async () => {
    const web = await connect();
    const webEvents = recordEvents(web);
    const { userId: webId } = await web.register('web_ann', 'password123');
    await web.login('web_ann', 'password123');

    const tcp = await ChatClient.connect({ port: server.port, requestTimeoutMs: 10_000 });
    clients.push(tcp);
    const tcpEvents = recordEvents(tcp);
    const { userId: tcpId } = await tcp.register('tcp_bob', 'password123');
    await tcp.login('tcp_bob', 'password123');

    await tcp.sendFriendRequest('web_ann');
    const request = await webEvents.friendRequest.next((r) => r.senderId === tcpId);
    await web.acceptFriendRequest(request.requestId);
    await tcpEvents.friendRequestAccepted.next((a) => a.userId === webId);

    await web.sendMessage(tcpId, 'hello | from a browser 🙂');
    expect((await tcpEvents.message.next()).content).toBe('hello | from a browser 🙂');
    await tcp.sendMessage(webId, 'hello back');
    expect((await webEvents.message.next()).content).toBe('hello back');
    expect(await web.getFriendList()).toEqual([{ id: tcpId, username: 'tcp_bob', status: 'online' }]);
  });

  it('answers errors with the reply text', async () => {
    const web = await connect();
    await web.register('web_dup', 'password123');
    await expect(web.register('web_dup', 'password123')).rejects.toMatchObject({ status: 409, text: 'Username already exists' });
    await expect(web.login('web_dup', 'wrong-password')).rejects.toBeInstanceOf(ChatError);
  });

  it('keeps the reliable session in Web Storage and resumes it from another connection', async () => {
    const storage = new MapStorage();
    const first = await connect(storage);
    await first.register('web_carol', 'password123');
    await first.login('web_carol', 'password123');
    expect(first.acksEnabled).toBe(true);
    const saved = JSON.parse(storage.getItem('chat.session')!);
    expect(saved).toMatchObject({ username: 'web_carol', token: expect.any(String), expiresAt: expect.any(Number) });

    const second = await connect(storage);
    expect(await second.resumeSaved()).toMatchObject({ username: 'web_carol' });
    await second.logout();
    expect(storage.getItem('chat.session')).toBeNull();
  });

  it('rejects connecting to a path with no WebSocket', async () => {
    await expect(
      ChatClient.connect({ url: `ws://127.0.0.1:${server.server.httpPort}/nothing`, webSocket: WebSocket }),
    ).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('refuses url and port together', () => {
    const options = { url, port: 1 } as unknown as Parameters<typeof ChatClient.connect>[0];
    expect(() => ChatClient.connect(options)).toThrow(RangeError);
  });
});

describe('ChatClient over a WebSocket that breaks the framing', () => {
  let fake: WebSocketServer;
  let url: string;

  beforeEach(async () => {
    fake = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(fake, 'listening');
    url = `ws://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    for (const socket of fake.clients) socket.terminate();
    await new Promise((resolve) => fake.close(resolve));
  });

  const answerPingWith = (data: Buffer | string): void => {
    fake.on('connection', (socket) => socket.on('message', () => socket.send(data)));
  };

  it('closes with a ProtocolError on a text message', async () => {
    answerPingWith('200|PONG');
    const client = await ChatClient.connect({ url, webSocket: WebSocket });
    await expect(client.ping()).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await client.closed).toEqual(new ProtocolError('the server sent a text WebSocket message'));
  });

  it('closes with a ProtocolError on two frames in one message', async () => {
    answerPingWith(Buffer.concat([encodeFrame(2000, '200|PONG'), encodeFrame(2000, '200|PONG')]));
    const client = await ChatClient.connect({ url, webSocket: WebSocket });
    await expect(client.ping()).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await client.closed).toBeInstanceOf(ProtocolError);
  });

  it('answers in order when each frame comes in its own message', async () => {
    answerPingWith(encodeFrame(2000, '200|PONG'));
    const client = await ChatClient.connect({ url, webSocket: WebSocket });
    await Promise.all([client.ping(), client.ping(), client.ping()]);
    await client.close();
    expect(await client.closed).toBeUndefined();
  });

  it('tells the close code when the server closes with an error', async () => {
    fake.on('connection', (socket) => socket.on('message', () => socket.close(1008, 'idle')));
    const client = await ChatClient.connect({ url, webSocket: WebSocket });
    await expect(client.ping()).rejects.toThrow('connection closed by the server (WebSocket close code 1008: idle)');
  });
});

describe('webStorageSessions', () => {
  const session = { username: 'ann', token: 'tok', expiresAt: 2_000 };

  it('saves, loads and forgets a session under its key', async () => {
    const storage = new MapStorage();
    const sessions = webStorageSessions(storage, 'k', () => 1_000);
    expect(await sessions.loadToken()).toBeNull();
    await sessions.saveToken(session);
    expect(await sessions.loadToken()).toEqual(session);
    await sessions.saveToken(null);
    expect(storage.items.size).toBe(0);
  });

  it('reads an expired or unreadable entry as none, and drops it', async () => {
    const storage = new MapStorage();
    await webStorageSessions(storage, 'k').saveToken(session);
    expect(await webStorageSessions(storage, 'k', () => 2_000).loadToken()).toBeNull();
    expect(storage.items.size).toBe(0);
    for (const text of ['not json', 'null', '{"username":"ann"}', '{"username":"ann","token":"","expiresAt":5}']) {
      storage.setItem('k', text);
      expect(await webStorageSessions(storage, 'k', () => 0).loadToken()).toBeNull();
      expect(storage.items.size).toBe(0);
    }
  });
});
