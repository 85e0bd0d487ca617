import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { WebSocket, type ClientOptions } from 'ws';
import type { TestServer, TestUser } from '../../support/e2e-server';
import { TestClient } from '../../support/test-client';
import { WebSocketStream } from '../../support/websocket-stream';

/** How a WebSocket closed, as its client saw it. */
export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A protocol client over a WebSocket, with the WebSocket itself for what TestClient cannot say. */
export interface WebSocketTestClient {
  readonly client: TestClient;
  readonly ws: WebSocket;
  /** Settles with the close code and reason once the WebSocket is closed. */
  readonly closed: Promise<Closed>;
}

/** The test server's HTTP port (it must have been started with `httpPort: 0`). */
export function httpPortOf(t: TestServer): number {
  const port = t.server.httpPort;
  if (port === null) throw new Error('the test server has no HTTP listener: start it with httpPort: 0');
  return port;
}

/** Opens `ws://127.0.0.1:<httpPort>/ws` (or the URL given) as a protocol client. */
export async function openWebSocket(target: TestServer | string, options: ClientOptions = {}): Promise<WebSocketTestClient> {
  const url = typeof target === 'string' ? target : `ws://127.0.0.1:${httpPortOf(target)}/ws`;
  const stream = await WebSocketStream.open(url, options);
  const closed = new Promise<Closed>((resolve) =>
    stream.ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
  );
  return { client: TestClient.over(stream), ws: stream.ws, closed };
}

/** Registers and logs in a user over a WebSocket. */
export async function webSocketUser(t: TestServer, name: string): Promise<TestUser & WebSocketTestClient> {
  const opened = await openWebSocket(t);
  expect((await opened.client.call(1000, [name, 'password123']))[0]).toBe('200');
  const [status, id] = await opened.client.call(1001, [name, 'password123']);
  expect(status).toBe('200');
  return { ...opened, id: Number(id), name };
}

/** The HTTP status an upgrade request gets when it is refused (null when it becomes a WebSocket). */
export function upgradeRefusal(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    ws.once('open', () => {
      ws.close();
      resolve(null);
    });
    ws.once('error', reject);
  });
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP(S) request with the path sent exactly as given (no normalisation by the client). */
export function httpGet(
  port: number,
  path: string,
  options: { readonly method?: string; readonly tls?: { readonly ca: Buffer }; readonly headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const common = { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false as const };
    const request = options.tls
      ? httpsRequest({ ...common, ca: options.tls.ca, servername: 'localhost' })
      : httpRequest(common);
    request.once('error', reject);
    request.once('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.end();
  });
}

