import { startTestServer, type TestServer } from '../../support/e2e-server';
import { TestClient } from '../../support/test-client';
import { AwaitableLogger } from '../../support/awaitable-logger';
import { httpPortOf, openWebSocket, upgradeRefusal } from './websocket-fixture';

describe('WebSocket upgrades: path, Origin and connection cap', () => {
  let t: TestServer;
  afterEach(() => t.stop());

  const url = (path = '/ws'): string => `ws://127.0.0.1:${httpPortOf(t)}${path}`;

  describe('by default (the page’s own origin only)', () => {
    let logger: AwaitableLogger;
    beforeEach(async () => {
      logger = new AwaitableLogger();
      t = await startTestServer({ httpPort: 0, logger });
    });

    it('refuses an upgrade on any other path with 404', async () => {
      for (const path of ['/', '/websocket', '/ws/', '/ws/x', '/index.html']) {
        expect(await upgradeRefusal(url(path))).toEqual({ status: 404, body: 'Not found\n' });
      }
      // A query string does not change the path.
      expect(await upgradeRefusal(url('/ws?v=1'))).toBeNull();
    });

    it('lets a request without Origin through: it does not come from a browser page', async () => {
      expect(await upgradeRefusal(url())).toBeNull();
    });

    it('lets the page’s own origin through (http://<Host>), however it is spelled', async () => {
      const port = httpPortOf(t);
      expect(await upgradeRefusal(url(), { Origin: `http://127.0.0.1:${port}` })).toBeNull();
      expect(await upgradeRefusal(url(), { Origin: `HTTP://127.0.0.1:${port}/` })).toBeNull();
    });

    it('refuses any other origin with 403, and the refused request never becomes a connection', async () => {
      const port = httpPortOf(t);
      for (const origin of ['http://evil.example', `https://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`, 'null', 'not a url']) {
        expect(await upgradeRefusal(url(), { Origin: origin })).toEqual({ status: 403, body: 'Origin not allowed\n' });
      }
      expect(logger.lines.filter((line) => line.message === 'connection opened')).toEqual([]);
      expect(logger.lines.filter((line) => line.message === 'websocket upgrade refused').map((line) => line.fields?.['status'])).toEqual(
        [403, 403, 403, 403, 403],
      );
    });
  });

  it("with wsOrigins 'any', lets every origin through", async () => {
    t = await startTestServer({ httpPort: 0, wsOrigins: 'any' });
    expect(await upgradeRefusal(url(), { Origin: 'http://evil.example' })).toBeNull();
    expect(await upgradeRefusal(url(), { Origin: 'null' })).toBeNull();
  });

  it('with a list of origins, lets those through (compared normalised) and refuses the rest, the page’s own origin included', async () => {
    t = await startTestServer({ httpPort: 0, wsOrigins: ['https://chat.example.com', 'http://localhost:3000'] });
    expect(await upgradeRefusal(url(), { Origin: 'https://chat.example.com' })).toBeNull();
    expect(await upgradeRefusal(url(), { Origin: 'HTTPS://Chat.Example.com:443' })).toBeNull();
    expect(await upgradeRefusal(url(), { Origin: 'http://localhost:3000' })).toBeNull();
    for (const origin of ['http://chat.example.com', 'https://evil.example', 'http://localhost:3001', `http://127.0.0.1:${httpPortOf(t)}`]) {
      expect(await upgradeRefusal(url(), { Origin: origin })).toEqual({ status: 403, body: 'Origin not allowed\n' });
    }
  });

  it('past maxConnections WebSockets refuses with 503, TCP clients aside; a freed place is taken again', async () => {
    const logger = new AwaitableLogger();
    t = await startTestServer({ httpPort: 0, maxConnections: 1, logger });
    const first = await openWebSocket(t);
    expect(await first.client.call(1019)).toEqual(['200', 'PONG']);
    expect(await upgradeRefusal(url())).toEqual({ status: 503, body: 'Too many connections\n' });
    // The cap counts WebSockets: the TCP listener keeps its own.
    const tcp = await TestClient.connect(t.port);
    expect(await tcp.call(1019)).toEqual(['200', 'PONG']);
    expect(await first.client.call(1019)).toEqual(['200', 'PONG']);

    const released = logger.waitFor((message, fields) => message === 'connection closed' && fields?.['transport'] === 'websocket');
    await first.client.close();
    await released;
    const second = await openWebSocket(t);
    expect(await second.client.call(1019)).toEqual(['200', 'PONG']);
    await Promise.all([tcp.destroy(), second.client.destroy()]);
  });
});
