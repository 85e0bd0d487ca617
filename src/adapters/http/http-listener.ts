import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import type { TlsOptions } from 'node:tls';
import type { Logger } from '../../application/ports';
import { errorSummary } from '../protocol/error-summary';
import type { WebSocketTransport } from '../websocket/websocket-transport';

/** The path WebSocket clients upgrade on. */
export const WEBSOCKET_PATH = '/ws';

/** What /readyz reports: each check `ok` or `failed`. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, string>>;
}

/** What the operator endpoints read. */
export interface OperatorEndpoints {
  /** Prometheus text for /metrics; without it /metrics is 404. */
  readonly metrics?: { readonly contentType: string; render(): Promise<string> };
  /** Whether the server can serve (its database answers, ...), for /readyz. */
  ready(): Promise<ReadinessReport>;
}

export interface HttpListenerOptions {
  /** The web client's files, served at `/`; null serves none. */
  readonly webRoot: string | null;
  /** Upgrades on WEBSOCKET_PATH go here; null refuses them (404). */
  readonly websocket: WebSocketTransport | null;
  readonly endpoints: OperatorEndpoints;
  /** Speak HTTPS (and WSS) with these options. */
  readonly tls?: TlsOptions;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Sent with every answer: no sniffing, no framing by other sites, scripts and sockets from here only. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

/** A path segment of a served file: no `..`, no hidden files, nothing unusual. */
const SAFE_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/**
 * One HTTP (or HTTPS) listener for everything that is not raw TCP: the WebSocket
 * transport on `/ws`, the web client at `/`, and the operator's `/metrics`, `/healthz`
 * and `/readyz`. Anything else is 404; a method other than GET or HEAD is 405.
 */
export class HttpListener {
  private readonly server: Server;
  private readonly webRoot: string | null;

  constructor(
    private readonly options: HttpListenerOptions,
    private readonly logger: Logger,
  ) {
    this.webRoot = options.webRoot === null ? null : resolve(options.webRoot);
    const handle = (request: IncomingMessage, response: ServerResponse): void => {
      this.handle(request, response).catch((error: unknown) => {
        this.logger.error('http request failed', { path: pathOf(request), error: errorSummary(error) });
        if (!response.headersSent) this.send(response, request, 500, 'text/plain; charset=utf-8', 'Internal error\n');
        else response.destroy();
      });
    };
    this.server = options.tls ? createHttpsServer(options.tls, handle) : createHttpServer(handle);
    this.server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
    this.server.on('clientError', (_error, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.server.on('error', (error) => this.logger.error('http server error', { error: errorSummary(error) }));
  }

  /** Starts listening; resolves with the address actually bound. */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolvePromise, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolvePromise(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting; resolves once every plain HTTP connection is closed (WebSockets are the hub's). */
  close(): Promise<void> {
    const closed = new Promise<void>((resolvePromise) => this.server.close(() => resolvePromise()));
    this.server.closeIdleConnections();
    setTimeout(() => this.server.closeAllConnections(), 1000).unref();
    return closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      this.send(response, request, 405, 'text/plain; charset=utf-8', 'Method not allowed\n');
      return;
    }
    const path = pathOf(request);
    switch (path) {
      case '/healthz':
        this.send(response, request, 200, 'text/plain; charset=utf-8', 'ok\n');
        return;
      case '/readyz': {
        const report = await this.options.endpoints.ready();
        this.send(response, request, report.ready ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(report)}\n`);
        return;
      }
      case '/metrics': {
        const metrics = this.options.endpoints.metrics;
        if (metrics) {
          this.send(response, request, 200, metrics.contentType, await metrics.render());
          return;
        }
        break;
      }
      case WEBSOCKET_PATH:
        this.send(response, request, 426, 'text/plain; charset=utf-8', 'Upgrade to a WebSocket here\n');
        return;
      default:
        if (await this.serveFile(path, request, response)) return;
    }
    this.send(response, request, 404, 'text/plain; charset=utf-8', 'Not found\n');
  }

  /** A file of the web client, if `path` names one. */
  private async serveFile(path: string | null, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    if (this.webRoot === null || path === null) return false;
    const segments = (path === '/' ? '/index.html' : path).split('/').slice(1);
    if (!segments.every((segment) => SAFE_SEGMENT.test(segment))) return false;
    const file = resolve(this.webRoot, ...segments);
    if (!file.startsWith(this.webRoot + sep)) return false;
    const type = CONTENT_TYPES[extname(file).toLowerCase()];
    if (type === undefined) return false;
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return false;
    }
    response.setHeader('Cache-Control', 'no-cache');
    this.send(response, request, 200, type, body);
    return true;
  }

  private send(
    response: ServerResponse,
    request: IncomingMessage,
    status: number,
    type: string,
    body: string | Buffer,
  ): void {
    response.statusCode = status;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    response.setHeader('Content-Type', type);
    response.setHeader('Content-Length', Buffer.byteLength(body));
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  private upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    // Until a WebSocket owns it, a socket error only ends this socket.
    socket.on('error', () => socket.destroy());
    const websocket = this.options.websocket;
    const refusal =
      pathOf(request) !== WEBSOCKET_PATH || websocket === null
        ? { status: 404, reason: 'Not found' }
        : websocket.refusal(request);
    if (refusal !== null) {
      this.logger.info('websocket upgrade refused', { status: refusal.status, reason: refusal.reason, remote: socket.remoteAddress });
      refuseUpgrade(socket, refusal.status, refusal.reason);
      return;
    }
    websocket!.upgrade(request, socket, head);
  }
}

/**
 * The request's path without its query, percent-decoded, or null when it cannot be read.
 * Read as it came, not through `new URL`: that would take `//name` for a host.
 */
function pathOf(request: IncomingMessage): string | null {
  const target = request.url ?? '';
  const end = target.search(/[?#]/);
  const raw = end === -1 ? target : target.slice(0, end);
  if (!raw.startsWith('/')) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

function refuseUpgrade(socket: Socket, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
