/**
 * A lean protocol connection for the load workers: pipelined requests answered by
 * 2000 replies, every other frame handed to `onPush`. The resume, login-storm and
 * dm-acks workloads speak the wire through this rather than the SDK, whose reliable
 * mode does more per frame (acks, duplicate filtering) than a load generator should
 * pay for. It does no more than those workloads need (and the dm-blocks set-up).
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
  RESPONSE: ServerMessage.RESPONSE,
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

interface Waiting {
  readonly command: number;
  resolve(payload: string): void;
  reject(error: Error): void;
}

export class WireConnection {
  /** Pushes: every frame but a 2000 reply. */
  onPush: ((type: number, payload: string) => void) | null = null;
  /** Called once when the socket closes; with an error unless reset() or destroy() closed it. */
  onClose: ((error: Error | undefined) => void) | null = null;

  private readonly decoder = new FrameDecoder({ maxPayload: 16 * 1024 * 1024 });
  /** Answered entries before `head` are cleared, not shifted out (shift is O(n) per reply). */
  private readonly waiting: (Waiting | undefined)[] = [];
  private head = 0;
  private closing = false;
  private failure: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.decoder.push(chunk)) {
        if (item.kind !== 'frame') {
          this.fail(new Error(`the server announced a ${item.length}-byte frame`));
          return;
        }
        const payload = item.payload.toString('utf8');
        if (item.type === Wire.RESPONSE) this.reply(payload, payload.startsWith('2'));
        else if (DATA_REPLIES.has(item.type)) this.reply(payload, true);
        else this.onPush?.(item.type, payload);
      }
    });
    socket.on('timeout', () => this.fail(new Error(`no reply within ${timeoutMs} ms`)));
    socket.on('error', (error) => void (this.failure ??= error));
    socket.on('close', () => {
      const error = this.closing ? undefined : (this.failure ?? new Error('connection closed by the server'));
      this.rejectAll(error ?? new Error('connection closed by the client'));
      this.onClose?.(error);
    });
  }

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
        resolve(new WireConnection(socket, timeoutMs));
      });
    });
  }

  get pending(): number {
    return this.waiting.length - this.head;
  }

  /** Sends one request; resolves with the payload of its 2xx reply. */
  request(command: number, payload = ''): Promise<string> {
    if (this.closing || this.socket.destroyed) return Promise.reject(new Error('connection closed'));
    return new Promise<string>((resolve, reject) => {
      this.waiting.push({ command, resolve, reject });
      if (this.pending === 1) this.socket.setTimeout(this.timeoutMs);
      this.socket.write(encodeFrame(command, payload));
    });
  }

  /** Drops the connection with a TCP reset, as a vanished client would (and leaves no TIME_WAIT behind). */
  reset(): void {
    this.closing = true;
    this.socket.resetAndDestroy();
  }

  destroy(): void {
    this.closing = true;
    this.socket.destroy();
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
      this.socket.setTimeout(0);
    }
    if (success) waiting.resolve(payload);
    else waiting.reject(new WireStatusError(waiting.command, payload));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.socket.destroy();
  }

  private rejectAll(error: Error): void {
    for (let i = this.head; i < this.waiting.length; i++) this.waiting[i]?.reject(error);
    this.waiting.length = 0;
    this.head = 0;
  }
}
