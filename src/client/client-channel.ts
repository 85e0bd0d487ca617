import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';

/**
 * What carries a client's frames to the server: a TCP (or TLS) socket, or a WebSocket
 * with one frame per binary message. A Connection speaks the protocol over it; the
 * channel only moves frames.
 */
export interface ClientChannel {
  /** Starts delivering what arrives to `listener`; called once. */
  listen(listener: ClientChannelListener): void;
  /** Sends one frame. Frames written in the same tick may leave together. */
  send(type: number, payload: string): void;
  /** Gracefully: what was sent leaves, then the channel closes (cut after a grace period). */
  end(): void;
  /** At once. `closed` follows (asynchronously) unless it already came. */
  destroy(): void;
  /** Once closed or destroyed: frames still decoded from earlier input are dropped. */
  readonly destroyed: boolean;
}

/** How a channel reports to its connection. */
export interface ClientChannelListener {
  /** A frame arrived; the payload is decoded as UTF-8. */
  frame(type: number, payload: string): void;
  /** What arrived breaks the framing (an oversize frame, a malformed WebSocket message): nothing more is read. */
  malformed(error: Error): void;
  /** The channel failed; `closed` follows. */
  failed(error: Error): void;
  /** The channel is closed: nothing more arrives or leaves. Called once. */
  closed(): void;
}

/** A plain TCP (or TLS) server. */
export interface TcpEndpoint {
  readonly kind: 'tcp';
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
  readonly tls?: boolean | TlsConnectionOptions;
}

/** The parts of the standard WebSocket API a channel uses (a browser's, Node 22's, or the `ws` package's). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { readonly code: number; readonly reason: string }) => void): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** A server's WebSocket endpoint (`ws://host:port/ws`, or `wss://`). */
export interface WebSocketEndpoint {
  readonly kind: 'websocket';
  readonly url: string;
  /** The WebSocket class; default the global one (browsers, Node 22+). */
  readonly webSocket?: WebSocketConstructor;
}

export type Endpoint = TcpEndpoint | WebSocketEndpoint;

/** What opening a channel needs besides the endpoint. */
export interface ChannelLimits {
  /** 0 disables. */
  readonly connectTimeoutMs: number;
  readonly maxPayload: number;
}

/** setTimeout's largest delay. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long `end()` waits for the server to close its side before the channel is cut. */
export const CLOSE_GRACE_MS = 2_000;
