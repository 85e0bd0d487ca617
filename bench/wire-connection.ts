/**
 * A lean protocol connection for the load workers: pipelined requests answered by
 * 2000 replies, every other frame handed to `onPush`. The resume, login-storm and
 * dm-acks workloads speak the wire through this rather than the SDK, whose reliable
 * mode does more per frame (acks, duplicate filtering) than a load generator should
 * pay for. It does no more than those workloads need (and the dm-blocks set-up).
 *
 * The frames travel over a FrameLink: a TCP byte stream here (TcpFrameLink), one
 * frame per WebSocket message in websocket-connection.ts. Requests, replies and
 * pushes are handled here for both.
 */
import { connect, type Socket } from 'node:net';
import { FrameDecoder } from '../src/adapters/protocol/frame-decoder';
import { encodeFrame } from '../src/adapters/protocol/frame-encoder';
import { Command, ServerMessage } from '../src/adapters/protocol/message-types';
import type { Target } from './ipc';

export const Wire = {
  REGISTER: Command.REGISTER,
  LOGIN: Command.LOGIN,
  PING: Command.PING,
  SESSION_TOKEN: Command.SESSION_TOKEN,
  RESUME: Command.RESUME,
  ENABLE_ACKS: Command.ENABLE_ACKS,
  ACK: Command.ACK,
  GET_HISTORY: Command.GET_HISTORY,
  GET_CONVERSATIONS: Command.GET_CONVERSATIONS,
  BLOCK_USER: Command.BLOCK_USER,
  SET_PRIVACY: Command.SET_PRIVACY,
  SEND_MESSAGE: Command.SEND_MESSAGE,
  RESPONSE: ServerMessage.RESPONSE,
  MESSAGE_RECEIVED: ServerMessage.MESSAGE_RECEIVED,
  MESSAGE: ServerMessage.MESSAGE,
} as const;

/** Replies that carry data instead of a status (they are successes by their TYPE). */
const DATA_REPLIES: ReadonlySet<number> = new Set([ServerMessage.HISTORY_DATA, ServerMessage.CONVERSATIONS_DATA]);

/** A reply whose status is not 2xx. */
export class WireStatusError extends Error {
  constructor(
    readonly command: number,
    readonly payload: string,
  ) {
    super(`${command} answered "${payload}"`);
    this.name = 'WireStatusError';
  }
}

/** Largest payload a load connection accepts from the server. */
export const WIRE_MAX_PAYLOAD = 16 * 1024 * 1024;

/** What a FrameLink tells the connection on top of it. */
export interface FrameSink {
  /** A whole frame; `payload` may share memory with what was read, so it is decoded at once. */
  frame(type: number, payload: Buffer): void;
  /** The input cannot be read as frames any more: the connection destroys the link. */
  broken(error: Error): void;
  /** Nothing arrived for the time given to setTimeout. */
  timedOut(): void;
  error(error: Error): void;
  /** Once, when the link has closed. */
  closed(): void;
}

/** What carries a WireConnection's frames, each written whole. */
export interface FrameLink {
  listen(sink: FrameSink): void;
  send(frame: Buffer): void;
  /** Reports `timedOut` after `ms` without input; 0 stops it. */
  setTimeout(ms: number): void;
  readonly destroyed: boolean;
  destroy(): void;
  /** Drops the connection with a TCP reset, as a vanished client would (and leaves no TIME_WAIT behind). */
  reset(): void;
}

/** A TCP socket as a FrameLink: the byte stream cut into frames by the server's own decoder. */
export class TcpFrameLink implements FrameLink {
  private readonly decoder = new FrameDecoder({ maxPayload: WIRE_MAX_PAYLOAD });

  constructor(private readonly socket: Socket) {}

  listen(sink: FrameSink): void {
    this.socket.on('data', (chunk: Buffer) => {
      for (const item of this.decoder.push(chunk)) {
        if (item.kind !== 'frame') {
          sink.broken(new Error(`the server announced a ${item.length}-byte frame`));
          return;
        }
        sink.frame(item.type, item.payload);
      }
    });
    this.socket.on('timeout', () => sink.timedOut());
    this.socket.on('error', (error) => sink.error(error));
    this.socket.on('close', () => sink.closed());
  }

  /** Frames sent in one tick leave in one write: the socket is corked at the first and uncorked on the next tick. */
  private corked = false;

  send(frame: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(frame);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  setTimeout(ms: number): void {
    this.socket.setTimeout(ms);
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  reset(): void {
    this.socket.resetAndDestroy();
  }
}

interface Waiting {
  readonly command: number;
  /** The caller does not read a 2xx reply's payload (it resolves with ''). */
  readonly payloadUnused?: boolean;
  resolve(payload: string): void;
  reject(error: Error): void;
}

export class WireConnection {
  /** Pushes: every frame but a 2000 reply. */
  onPush: ((type: number, payload: string) => void) | null = null;
  /**
   * Pushes undecoded, instead of onPush: `payload` is a view into the chunk read
   * (no copy, no string), valid only during the call.
   */
  onRawPush: ((type: number, payload: Buffer) => void) | null = null;
  /** Called once when the link closes; with an error unless reset() or destroy() closed it. */
  onClose: ((error: Error | undefined) => void) | null = null;

  /** Answered entries before `head` are cleared, not shifted out (shift is O(n) per reply). */
  private readonly waiting: (Waiting | undefined)[] = [];
  private head = 0;
  private closing = false;
  private failure: Error | undefined;

  constructor(
    private readonly link: FrameLink,
    private readonly timeoutMs: number,
  ) {
    link.listen({
      frame: (type, bytes) => {
        if (this.onRawPush !== null && type !== Wire.RESPONSE && !DATA_REPLIES.has(type)) {
          this.onRawPush(type, bytes);
          return;
        }
        // A 2xx reply to a request that ignores its payload is not decoded at all.
        if (type === Wire.RESPONSE && bytes[0] === 0x32 && this.waiting[this.head]?.payloadUnused === true) {
          this.reply('', true);
          return;
        }
        const payload = bytes.toString('utf8');
        if (type === Wire.RESPONSE) this.reply(payload, payload.startsWith('2'));
        else if (DATA_REPLIES.has(type)) this.reply(payload, true);
        else this.onPush?.(type, payload);
      },
      broken: (error) => this.fail(error),
      timedOut: () => this.fail(new Error(`no reply within ${timeoutMs} ms`)),
      error: (error) => void (this.failure ??= error),
      closed: () => {
        const error = this.closing ? undefined : (this.failure ?? new Error('connection closed by the server'));
        this.rejectAll(error ?? new Error('connection closed by the client'));
        this.onClose?.(error);
      },
    });
  }

  /** A connection over TCP. */
  static connect(target: Target, timeoutMs: number, localAddress?: string): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: target.host, port: target.port, localAddress, noDelay: true });
      const timer = setTimeout(() => socket.destroy(new Error(`connect took over ${timeoutMs} ms`)), timeoutMs);
      const onError = (error: Error): void => {
        clearTimeout(timer);
        reject(error);
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new WireConnection(new TcpFrameLink(socket), timeoutMs));
      });
    });
  }

  get pending(): number {
    return this.waiting.length - this.head;
  }

  /** Sends one request; resolves with the payload of its 2xx reply. */
  request(command: number, payload = ''): Promise<string> {
    return this.requestFrame(command, encodeFrame(command, payload));
  }

  /**
   * request() with the frame already built (`command` is its type, for the error text);
   * with `payloadUnused` a 2xx reply resolves with '' undecoded.
   */
  requestFrame(command: number, frame: Buffer, payloadUnused = false): Promise<string> {
    if (this.closing || this.link.destroyed) return Promise.reject(new Error('connection closed'));
    return new Promise<string>((resolve, reject) => {
      this.waiting.push({ command, resolve, reject, payloadUnused });
      if (this.pending === 1) this.link.setTimeout(this.timeoutMs);
      this.link.send(frame);
    });
  }

  /** Drops the connection with a TCP reset, as a vanished client would (and leaves no TIME_WAIT behind). */
  reset(): void {
    this.closing = true;
    this.link.reset();
  }

  destroy(): void {
    this.closing = true;
    this.link.destroy();
  }

  private reply(payload: string, success: boolean): void {
    const waiting = this.waiting[this.head];
    if (waiting === undefined) {
      this.fail(new Error(`a reply no request waits for: "${payload}"`));
      return;
    }
    this.waiting[this.head++] = undefined;
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
      this.link.setTimeout(0);
    }
    if (success) waiting.resolve(payload);
    else waiting.reject(new WireStatusError(waiting.command, payload));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.link.destroy();
  }

  private rejectAll(error: Error): void {
    for (let i = this.head; i < this.waiting.length; i++) this.waiting[i]?.reject(error);
    this.waiting.length = 0;
    this.head = 0;
  }
}
