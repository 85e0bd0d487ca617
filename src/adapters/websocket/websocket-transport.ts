import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../application/ports';
import type { ConnectionHub } from '../protocol/connection-hub';
import { FRAME_HEADER_SIZE } from '../protocol/frame-decoder';
import { errorSummary } from '../protocol/error-summary';
import { WebSocketChannel } from './websocket-channel';

/**
 * Which pages may open a WebSocket: `same-origin` (the default: a page served by
 * this listener, its Origin naming the Host it asked), `any`, or a list of origins
 * (`https://chat.example.com`). A request without an Origin header is not from a
 * browser page and is let through: the rule exists to stop other sites' pages from
 * using a visitor's browser against this server.
 */
export type OriginPolicy = 'same-origin' | 'any' | readonly string[];

export interface WebSocketTransportOptions {
  /** WebSockets open at once; more are refused with 503. */
  readonly maxConnections: number;
  readonly origins: OriginPolicy;
  /** Whether the listener speaks TLS (the page's own origin is then https://). */
  readonly tls: boolean;
}

/** An upgrade the transport refuses: the HTTP status and a one-line reason. */
export interface Refusal {
  readonly status: number;
  readonly reason: string;
}

/** Lower-cases an origin and drops a default port, so equal origins compare equal. */
export function normalizeOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    if (url.origin === 'null') return null;
    return url.origin.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * The WebSocket transport: the chat protocol, one frame per binary message, over
 * connections of the server's ConnectionHub (the same rules as TCP). The HTTP
 * listener hands it the upgrades for its path.
 */
export class WebSocketTransport {
  private readonly server: WebSocketServer;
  private readonly allowed: ReadonlySet<string> | null;

  constructor(
    private readonly hub: ConnectionHub,
    private readonly options: WebSocketTransportOptions,
    private readonly logger: Logger,
  ) {
    this.server = new WebSocketServer({
      noServer: true,
      // Past the largest frame a logged-in client may send, ws closes with 1009 itself;
      // up to it, a frame over the current limit is answered 400 as over TCP.
      maxPayload: hub.connectionLimits.maxPayload + FRAME_HEADER_SIZE,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.allowed = Array.isArray(options.origins)
      ? new Set(options.origins.map((origin) => normalizeOrigin(origin) ?? origin))
      : null;
  }

  /** Why an upgrade request may not become a WebSocket, or null when it may. */
  refusal(request: IncomingMessage): Refusal | null {
    if (!this.originAllowed(request)) return { status: 403, reason: 'Origin not allowed' };
    if (this.hub.connectionCount('websocket') >= this.options.maxConnections) {
      return { status: 503, reason: 'Too many connections' };
    }
    return null;
  }

  private originAllowed(request: IncomingMessage): boolean {
    const header = request.headers.origin;
    if (header === undefined) return true;
    if (this.options.origins === 'any') return true;
    const origin = normalizeOrigin(header);
    if (origin === null) return false;
    if (this.allowed) return this.allowed.has(origin);
    const host = request.headers.host;
    if (host === undefined) return false;
    return origin === normalizeOrigin(`${this.options.tls ? 'https' : 'http'}://${host}`);
  }

  /** Completes an upgrade that `refusal` let through. */
  upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    this.server.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      try {
        this.hub.open(new WebSocketChannel(ws, socket), 'websocket');
      } catch (error) {
        this.logger.error('accepting a connection failed', { error: errorSummary(error) });
        ws.terminate();
      }
    });
  }
}
