import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpListener, type ReadinessReport } from '../../../src/adapters/http/http-listener';
import { silentLogger, startTestServer, type TestServer } from '../../support/e2e-server';
import { httpGet, httpPortOf, openWebSocket, upgradeRefusal, type HttpAnswer } from './websocket-fixture';

const INDEX = '<!doctype html><title>chat</title><script src="app.js"></script>\n';
const APP = 'console.log("chat");\n';
const STYLE = 'body { margin: 0 }\n';
const SECRET = 'outside the web root\n';

function expectSecurityHeaders(answer: HttpAnswer): void {
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['referrer-policy']).toBe('no-referrer');
  expect(answer.headers['content-security-policy']).toMatch(/default-src 'self'/);
  expect(answer.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
}

describe('the HTTP listener: operator endpoints, the web client’s files, /ws', () => {
  let dir: string;
  let webRoot: string;
  let t: TestServer;

  beforeAll(() => {
    // dir/secret.txt and dir/package.json sit beside the web root, never inside it.
    dir = mkdtempSync(join(tmpdir(), 'chat-web-'));
    webRoot = join(dir, 'web');
    mkdirSync(join(webRoot, 'assets'), { recursive: true });
    writeFileSync(join(webRoot, 'index.html'), INDEX);
    writeFileSync(join(webRoot, 'app.js'), APP);
    writeFileSync(join(webRoot, 'assets', 'style.css'), STYLE);
    writeFileSync(join(webRoot, '.hidden'), 'hidden\n');
    writeFileSync(join(webRoot, 'notes.md'), 'no content type for this\n');
    writeFileSync(join(dir, 'secret.txt'), SECRET);
    writeFileSync(join(dir, 'package.json'), '{"secret": true}\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('with a web root', () => {
    let port: number;
    beforeEach(async () => {
      t = await startTestServer({ httpPort: 0, webRoot });
      port = httpPortOf(t);
    });
    afterEach(() => t.stop());

    it('answers /healthz 200 ok and /readyz 200 with a JSON report on a healthy server', async () => {
      const health = await httpGet(port, '/healthz');
      expect([health.status, health.body, health.headers['content-type']]).toEqual([200, 'ok\n', 'text/plain; charset=utf-8']);
      const ready = await httpGet(port, '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(ready.body)).toMatchObject({ ready: true });
    });

    it('serves index.html at /, and files by path with their content type', async () => {
      for (const path of ['/', '/index.html']) {
        const index = await httpGet(port, path);
        expect([index.status, index.body, index.headers['content-type']]).toEqual([200, INDEX, 'text/html; charset=utf-8']);
      }
      const app = await httpGet(port, '/app.js');
      expect([app.status, app.body, app.headers['content-type']]).toEqual([200, APP, 'text/javascript; charset=utf-8']);
      const style = await httpGet(port, '/assets/style.css?v=2');
      expect([style.status, style.body, style.headers['content-type']]).toEqual([200, STYLE, 'text/css; charset=utf-8']);
      expect(app.headers['content-length']).toBe(String(Buffer.byteLength(APP)));
    });

    it('answers 404 for an unknown path, a hidden file, a type it does not serve and a folder', async () => {
      for (const path of ['/nope.js', '/nope', '/.hidden', '/notes.md', '/assets', '/assets/', '/metrics-not']) {
        const answer = await httpGet(port, path);
        expect([path, answer.status, answer.body]).toEqual([path, 404, 'Not found\n']);
      }
    });

    it('never serves a file outside the web root, however the path is written', async () => {
      const attempts = [
        '/../secret.txt',
        '/../package.json',
        '/%2e%2e/secret.txt',
        '/%2E%2E/package.json',
        '/a/../../secret.txt',
        '/assets/../../secret.txt',
        '/..%2fsecret.txt',
        '/assets%2f..%2f..%2fsecret.txt',
        '/assets/..%5c..%5csecret.txt',
        '/%2e%2e%2fpackage.json',
        `/${join(dir, 'secret.txt')}`,
        '/secret.txt',
        '/package.json',
        '/%00/index.html',
        '/index.html%00.js',
      ];
      for (const path of attempts) {
        const answer = await httpGet(port, path);
        expect([path, answer.status]).toEqual([path, 404]);
        expect(answer.body).not.toContain('outside the web root');
        expect(answer.body).not.toContain('secret');
      }
      // A request target starting with // is a path with an empty segment, not a host: 404.
      for (const path of ['//secret.txt', '//../secret.txt', '//%2e%2e/secret.txt', '//index.html']) {
        const answer = await httpGet(port, path);
        expect([path, answer.status]).toEqual([path, 404]);
        expect(answer.body).not.toContain('outside the web root');
      }
    });

    it('answers HEAD like GET without a body, and any other method 405 with Allow', async () => {
      const get = await httpGet(port, '/app.js');
      const head = await httpGet(port, '/app.js', { method: 'HEAD' });
      expect([head.status, head.body, head.headers['content-length'], head.headers['content-type']]).toEqual([
        200,
        '',
        get.headers['content-length'],
        get.headers['content-type'],
      ]);
      expect((await httpGet(port, '/healthz', { method: 'HEAD' })).status).toBe(200);
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const answer = await httpGet(port, '/healthz', { method });
        expect([method, answer.status, answer.headers.allow]).toEqual([method, 405, 'GET, HEAD']);
      }
    });

    it('answers /ws without an upgrade 426, and still upgrades it', async () => {
      const answer = await httpGet(port, '/ws');
      expect(answer.status).toBe(426);
      const { client } = await openWebSocket(t);
      expect(await client.call(1019)).toEqual(['200', 'PONG']);
    });

    it('sends the security headers with every answer', async () => {
      for (const [path, method] of [['/', 'GET'], ['/app.js', 'GET'], ['/healthz', 'GET'], ['/readyz', 'GET'], ['/nope', 'GET'], ['/', 'POST'], ['/ws', 'GET']]) {
        expectSecurityHeaders(await httpGet(port, path!, { method: method! }));
      }
    });
  });

  it('with webRoot null serves no file, and the endpoints and /ws still work', async () => {
    t = await startTestServer({ httpPort: 0, webRoot: null });
    const port = httpPortOf(t);
    try {
      for (const path of ['/', '/index.html', '/app.js']) expect((await httpGet(port, path)).status).toBe(404);
      expect((await httpGet(port, '/healthz')).status).toBe(200);
      const { client } = await openWebSocket(t);
      expect(await client.call(1019)).toEqual(['200', 'PONG']);
    } finally {
      await t.stop();
    }
  });

  describe('on its own, with a readiness check of the test’s choosing', () => {
    let listener: HttpListener;
    let report: () => Promise<ReadinessReport>;
    let port: number;
    beforeEach(async () => {
      listener = new HttpListener({ webRoot: null, websocket: null, endpoints: { ready: () => report() } }, silentLogger);
      port = (await listener.listen(0, '127.0.0.1')).port;
    });
    afterEach(() => listener.close());

    it('answers /readyz 503 with the failed check when the server cannot serve', async () => {
      report = async () => ({ ready: false, checks: { database: 'failed' } });
      const answer = await httpGet(port, '/readyz');
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toEqual({ ready: false, checks: { database: 'failed' } });
      report = async () => ({ ready: true, checks: { database: 'ok' } });
      expect((await httpGet(port, '/readyz')).status).toBe(200);
    });

    it('answers 500 when a check throws, and keeps serving', async () => {
      report = () => Promise.reject(new Error('boom'));
      const answer = await httpGet(port, '/readyz');
      expect([answer.status, answer.body]).toEqual([500, 'Internal error\n']);
      expect((await httpGet(port, '/healthz')).status).toBe(200);
    });

    it('without a WebSocket transport refuses upgrades on /ws with 404', async () => {
      expect(await upgradeRefusal(`ws://127.0.0.1:${port}/ws`)).toEqual({ status: 404, body: 'Not found\n' });
    });
  });
});
