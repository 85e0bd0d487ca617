import {
  CLOSE_GRACE_MS,
  MAX_TIMER_MS,
  type ChannelLimits,
  type ClientChannel,
  type ClientChannelListener,
  type WebSocketConstructor,
  type WebSocketEndpoint,
  type WebSocketLike,
} from './client-channel';
import { ConnectionClosedError, ProtocolError, RequestTimeoutError } from './client-errors';
import { unrefTimer } from './runtime';

/** The frame header (PROTOCOL §1): uint16 type, uint32 length, big-endian. */
const HEADER_SIZE = 6;
/** WebSocket readyState OPEN. */
const OPEN = 1;
/** A close the server meant: normal closure, or none given. */
const NORMAL_CLOSE = 1000;
const NO_STATUS = 1005;

const encoder = new TextEncoder();
// As Buffer#toString: bad bytes become U+FFFD, and a leading U+FEFF is content, not a signature.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** One frame as the bytes of one WebSocket message. Throws a RangeError when `type` is not a uint16 (a bug). */
export function encodeFrameMessage(type: number, payload: string): Uint8Array {
  if (!Number.isInteger(type) || type < 0 || type > 0xffff) throw new RangeError(`frame type must be a uint16, got ${type}`);
  const body = encoder.encode(payload);
  const message = new Uint8Array(HEADER_SIZE + body.length);
  const view = new DataView(message.buffer);
  view.setUint16(0, type);
  view.setUint32(2, body.length);
  message.set(body, HEADER_SIZE);
  return message;
}

/** A frame taken from one WebSocket message. */
export interface MessageFrame {
  readonly type: number;
  readonly payload: string;
}

/** The frame a WebSocket message holds; a ProtocolError when it is not exactly one frame, or announces more than `maxPayload`. */
export function decodeFrameMessage(message: Uint8Array, maxPayload: number): MessageFrame {
  if (message.length < HEADER_SIZE) {
    throw new ProtocolError(`the server sent a ${message.length}-byte WebSocket message, shorter than a frame header`);
  }
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const type = view.getUint16(0);
  const length = view.getUint32(2);
  if (length > maxPayload) throw new ProtocolError(`the server sent a ${length}-byte payload (limit ${maxPayload})`);
  if (length !== message.length - HEADER_SIZE) {
    throw new ProtocolError(`the server sent a WebSocket message of ${message.length} bytes holding a frame of ${length} payload bytes`);
  }
  return { type, payload: decoder.decode(message.subarray(HEADER_SIZE)) };
}

/** An ArrayBuffer, also one of another realm (Jest runs tests in a vm context). */
function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return value instanceof ArrayBuffer || Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

function globalWebSocket(): WebSocketConstructor | undefined {
  const candidate: unknown = Reflect.get(globalThis, 'WebSocket');
  return typeof candidate === 'function' ? (candidate as WebSocketConstructor) : undefined;
}

/**
 * Opens a WebSocket; rejects with a ConnectionClosedError when it cannot (a browser does
 * not say why: refused, 403 for the page's origin, 404...), or a RequestTimeoutError.
 */
export function openWebSocketChannel(endpoint: WebSocketEndpoint, limits: ChannelLimits): Promise<ClientChannel> {
  const WebSocketClass = endpoint.webSocket ?? globalWebSocket();
  if (WebSocketClass === undefined) {
    return Promise.reject(new TypeError('no WebSocket class here: pass the webSocket option (e.g. the ws package\'s) before Node 22'));
  }
  return new Promise((resolve, reject) => {
    let socket: WebSocketLike;
    try {
      socket = new WebSocketClass(endpoint.url);
    } catch (error) {
      reject(error instanceof Error ? error : new TypeError(String(error)));
      return;
    }
    socket.binaryType = 'arraybuffer';
    const channel = new WebSocketClientChannel(socket, limits.maxPayload);
    let settled = false;
    let cause: unknown;
    const { connectTimeoutMs } = limits;
    const timer =
      connectTimeoutMs > 0
        ? setTimeout(() => fail(new RequestTimeoutError(null, connectTimeoutMs)), Math.min(connectTimeoutMs, MAX_TIMER_MS))
        : null;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      if (timer !== null) clearTimeout(timer);
      channel.destroy();
      reject(error);
    };
    socket.addEventListener('open', () => {
      if (settled) return;
      settled = true;
      if (timer !== null) clearTimeout(timer);
      resolve(channel);
    });
    socket.addEventListener('error', (event) => {
      cause = event;
    });
    socket.addEventListener('close', (event) => {
      fail(new ConnectionClosedError(`could not open a WebSocket to ${endpoint.url} (close code ${event.code})`, { cause }));
    });
  });
}

/**
 * A WebSocket as a client channel: each binary message carries exactly one frame, both
 * ways. A text message, or a binary one that is not exactly one frame, breaks the protocol.
 * The browser API has no way to cut a socket at once: `destroy()` starts the closing
 * handshake and reports the channel closed right away; what comes after is ignored.
 */
export class WebSocketClientChannel implements ClientChannel {
  private listener: ClientChannelListener | null = null;
  /** What arrived before `listen`. */
  private early: { readonly data: unknown }[] = [];
  private closedByUs = false;
  private reportedClosed = false;
  private graceTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly socket: WebSocketLike,
    private readonly maxPayload: number,
  ) {
    socket.addEventListener('message', this.onMessage);
    socket.addEventListener('close', this.onClose);
  }

  get destroyed(): boolean {
    return this.reportedClosed || this.closedByUs;
  }

  listen(listener: ClientChannelListener): void {
    this.listener = listener;
    const early = this.early;
    this.early = [];
    for (const event of early) {
      if (this.destroyed) return;
      this.onMessage(event);
    }
  }

  send(type: number, payload: string): void {
    // Sending on a socket still connecting throws; closing or closed drops it (the close event follows).
    if (this.socket.readyState === OPEN) this.socket.send(encodeFrameMessage(type, payload));
  }

  end(): void {
    if (this.destroyed) return;
    this.socket.close(NORMAL_CLOSE);
    this.graceTimer = setTimeout(() => this.destroy(), CLOSE_GRACE_MS);
    unrefTimer(this.graceTimer);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.closedByUs = true;
    this.socket.close(NORMAL_CLOSE);
    setTimeout(() => this.reportClosed(), 0);
  }

  private readonly onMessage = (event: { readonly data: unknown }): void => {
    const listener = this.listener;
    if (listener === null) {
      this.early.push(event);
      return;
    }
    if (this.destroyed) return;
    let frame: MessageFrame;
    try {
      if (!isArrayBuffer(event.data)) throw new ProtocolError('the server sent a text WebSocket message');
      frame = decodeFrameMessage(new Uint8Array(event.data), this.maxPayload);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      listener.malformed(error);
      return;
    }
    listener.frame(frame.type, frame.payload);
  };

  private readonly onClose = (event: { readonly code: number; readonly reason: string }): void => {
    if (this.reportedClosed) return;
    if (!this.closedByUs && event.code !== NORMAL_CLOSE && event.code !== NO_STATUS) {
      const reason = event.reason === '' ? '' : `: ${event.reason}`;
      this.listener?.failed(new ConnectionClosedError(`connection closed by the server (WebSocket close code ${event.code}${reason})`));
    }
    this.reportClosed();
  };

  private reportClosed(): void {
    if (this.reportedClosed) return;
    this.reportedClosed = true;
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.listener?.closed();
  }
}
