import { splitFieldsWithFreeText } from '../adapters/protocol/fields';
import { MAX_TIMER_MS, type ChannelLimits, type ClientChannel, type Endpoint } from './client-channel';
import { ChatError, ConnectionClosedError, ProtocolError, RequestTimeoutError } from './client-errors';
import type { UnexpectedFrame } from './events';
import { Fifo } from './fifo';
import { unrefTimer } from './runtime';
import { openTcpChannel } from './tcp-client-channel';
import { openWebSocketChannel } from './websocket-client-channel';
import { ServerFrameType } from './wire-types';
import { statusOf } from './wire-decoding';

/** Where to connect and how to run a connection; checked once, reused by every reconnect. */
export interface ConnectionSettings extends ChannelLimits {
  readonly endpoint: Endpoint;
  /** 0 disables. */
  readonly requestTimeoutMs: number;
}

/** What a Connection tells its owner. */
export interface ConnectionListener {
  /** A push (a TYPE the server sends unasked). */
  push(type: number, payload: string): void;
  unexpected(frame: UnexpectedFrame): void;
  /**
   * Once, when the channel has closed and every pending request was rejected.
   * `error` is undefined when the owner closed it and nothing failed before.
   */
  closed(error: Error | undefined): void;
}

/** A request waiting for its reply. Method syntax keeps `PendingRequest<T>` assignable to `PendingRequest<unknown>`. */
interface PendingRequest<T> {
  readonly command: number;
  /** The TYPE of a successful reply: 2000, or a data reply (2004, 2005, 2007–2010, 2015, 2017, 2018). */
  readonly replyType: number;
  /** `performance.now()` after which it has timed out. */
  readonly deadline: number;
  decode(payload: string): T;
  resolve(value: T): void;
  reject(error: Error): void;
}

/**
 * Opens a channel to the endpoint: a TCP (or TLS) socket, or a WebSocket. Rejects with
 * the reason it could not (e.g. ECONNREFUSED) or a RequestTimeoutError.
 */
export function openChannel(settings: ConnectionSettings): Promise<ClientChannel> {
  const { endpoint } = settings;
  return endpoint.kind === 'tcp' ? openTcpChannel(endpoint, settings) : openWebSocketChannel(endpoint, settings);
}

/** The error text of a 2000 payload: what follows the code, unescaped as one field. */
function errorText(payload: string): string {
  return payload.length <= 4 ? '' : splitFieldsWithFreeText(payload.slice(4), 1)![0]!;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new ProtocolError(String(value));
}

/**
 * One channel (a socket or a WebSocket) speaking PROTOCOL.md: frames requests, matches
 * replies to them strictly in order, times them out, and hands pushes to its listener. A
 * ChatClient owns one at a time (in reliable mode, a new one after each reconnect).
 */
export class Connection {
  private readonly pending = new Fifo<PendingRequest<unknown>>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** False once close() or destroy() was called, or the connection failed: new requests reject. */
  private accepting = true;
  private closedByOwner = false;
  private channelClosed = false;
  /** Why the connection failed, when it did. */
  private failure: Error | undefined;

  constructor(
    private readonly channel: ClientChannel,
    private readonly settings: ConnectionSettings,
    private readonly listener: ConnectionListener,
  ) {
    channel.listen({ frame: this.onFrame, malformed: this.onMalformed, failed: this.onError, closed: this.onClose });
  }

  /** True until close() or destroy() is called or the connection fails. */
  get isOpen(): boolean {
    return this.accepting;
  }

  /** Why it failed, if it did. */
  get failureReason(): Error | undefined {
    return this.failure;
  }

  /** Requests sent and not yet answered. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  send<T>(command: number, payload: string, replyType: number, decode: (payload: string) => T): Promise<T> {
    if (!this.accepting) {
      return Promise.reject(new ConnectionClosedError('connection closed', { cause: this.failure }));
    }
    const deadline = performance.now() + this.settings.requestTimeoutMs;
    const reply = new Promise<T>((resolve, reject) => {
      this.pending.push({ command, replyType, deadline, decode, resolve, reject });
    });
    this.channel.send(command, payload);
    if (this.timer === null && this.settings.requestTimeoutMs > 0) this.armTimer(this.settings.requestTimeoutMs);
    return reply;
  }

  /** Gracefully: new requests reject, those already sent still get their replies, then the channel ends. */
  close(): void {
    if (!this.accepting) return;
    this.accepting = false;
    this.closedByOwner = true;
    if (this.pending.size === 0) this.channel.end();
  }

  /** At once: every pending request rejects with `reason`. */
  destroy(reason: Error): void {
    if (this.channelClosed) return;
    if (this.failure === undefined) this.closedByOwner = true;
    this.accepting = false;
    this.rejectPending(reason);
    this.channel.destroy();
  }

  /** The connection cannot be trusted any more: reject everything and close, reporting `error`. */
  fail(error: Error): void {
    if (this.channelClosed) return;
    this.failure ??= error;
    this.accepting = false;
    this.rejectPending(error);
    this.channel.destroy();
  }

  /**
   * One timer for the whole queue: replies come in order, and deadlines grow in
   * queue order, so only the oldest request can be the first to time out. The timer
   * is not re-armed per reply; when it fires it re-arms for the current oldest.
   */
  private armTimer(ms: number): void {
    this.timer = setTimeout(this.onTimer, Math.min(Math.max(Math.ceil(ms), 1), MAX_TIMER_MS));
    unrefTimer(this.timer);
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    const oldest = this.pending.peek();
    if (oldest === undefined || this.channelClosed) return;
    const remaining = oldest.deadline - performance.now();
    if (remaining > 0) this.armTimer(remaining);
    else this.fail(new RequestTimeoutError(oldest.command, this.settings.requestTimeoutMs));
  };

  private readonly onFrame = (type: number, payload: string): void => {
    this.handleFrame(type, payload);
  };

  private readonly onMalformed = (error: Error): void => {
    this.fail(error);
  };

  private handleFrame(type: number, payload: string): void {
    switch (type) {
      case ServerFrameType.RESPONSE:
      case ServerFrameType.FRIEND_LIST_DATA:
      case ServerFrameType.OFFLINE_MESSAGES_DATA:
      case ServerFrameType.FRIEND_REQUESTS_DATA:
      case ServerFrameType.GROUP_LIST_DATA:
      case ServerFrameType.GROUP_MEMBERS_DATA:
      case ServerFrameType.OFFLINE_GROUP_MESSAGES_DATA:
      case ServerFrameType.HISTORY_DATA:
      case ServerFrameType.CONVERSATIONS_DATA:
      case ServerFrameType.BLOCKED_LIST_DATA:
        this.handleReply(type, payload);
        return;
      case ServerFrameType.MESSAGE_RECEIVED:
      case ServerFrameType.GROUP_MESSAGE_RECEIVED:
      case ServerFrameType.FRIEND_REQUEST_RECEIVED:
      case ServerFrameType.USER_STATUS_UPDATE:
      case ServerFrameType.FRIEND_REQUEST_ACCEPTED:
      case ServerFrameType.GROUP_MEMBERSHIP_CHANGED:
      case ServerFrameType.MESSAGE:
      case ServerFrameType.GROUP_MESSAGE:
      case ServerFrameType.MESSAGES_READ:
        this.listener.push(type, payload);
        return;
      default:
        this.listener.unexpected({ type, payload, reason: 'unknown-type' });
    }
  }

  private handleReply(type: number, payload: string): void {
    const request = this.pending.shift();
    if (request === undefined) {
      this.listener.unexpected({ type, payload, reason: 'unsolicited-reply' });
      return;
    }
    let value: unknown;
    try {
      value = this.decodeReply(request, type, payload);
    } catch (error) {
      request.reject(toError(error));
      this.afterReply();
      return;
    }
    request.resolve(value);
    this.afterReply();
  }

  private decodeReply(request: PendingRequest<unknown>, type: number, payload: string): unknown {
    if (type === ServerFrameType.RESPONSE) {
      const status = statusOf(payload);
      if (status < 0) throw new ProtocolError(`reply to ${request.command} has no status: "${payload}"`);
      if (status < 200 || status > 299) throw new ChatError(status, errorText(payload), request.command);
    }
    if (type !== request.replyType) {
      throw new ProtocolError(`expected a ${request.replyType} reply to ${request.command}, got ${type} "${payload}"`);
    }
    return request.decode(payload);
  }

  private afterReply(): void {
    if (!this.accepting && this.closedByOwner && this.pending.size === 0) this.channel.end();
  }

  /** A RequestTimeoutError rejects its own request with itself, the rest with a ConnectionClosedError. */
  private rejectPending(reason: Error): void {
    let request = this.pending.shift();
    if (request === undefined) return;
    if (reason instanceof RequestTimeoutError) {
      request.reject(reason);
      request = this.pending.shift();
    }
    const closed = reason instanceof ConnectionClosedError ? reason : new ConnectionClosedError('connection closed', { cause: reason });
    for (; request !== undefined; request = this.pending.shift()) request.reject(closed);
  }

  private readonly onError = (error: Error): void => {
    // 'close' follows; remember why.
    if (!this.closedByOwner) this.failure ??= error;
  };

  private readonly onClose = (): void => {
    this.channelClosed = true;
    this.accepting = false;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const error =
      this.closedByOwner && this.failure === undefined
        ? undefined
        : (this.failure ?? new ConnectionClosedError('connection closed by the server'));
    this.rejectPending(
      error instanceof ConnectionClosedError ? error : new ConnectionClosedError('connection closed', { cause: error }),
    );
    this.listener.closed(error);
  };
}
