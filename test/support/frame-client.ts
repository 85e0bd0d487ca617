import { FrameDecoder } from '../../src/adapters/protocol/frame-decoder';
import { decodeUtf8Strict, encodeFrame } from '../../src/adapters/protocol/frame-encoder';
import { joinFields, splitFields } from '../../src/adapters/protocol/fields';
import { openClientStream, type ClientStream, type ClientStreamOptions } from './transports';

/** Frames the server sends as replies (one per request); the rest are pushes. */
export const REPLY_TYPES: ReadonlySet<number> = new Set([2000, 2004, 2005, 2007, 2008, 2009, 2010]);

/** A frame as the server sent it. */
export interface ServerFrame {
  readonly type: number;
  /** The payload decoded strictly; null when it was not valid UTF-8 (a server bug). */
  readonly text: string | null;
}

export type FrameClientOptions = ClientStreamOptions;

/**
 * A low-level client for hardening tests: it never throws on what the server sends,
 * it records every frame (and anything malformed in `problems`), can connect from a
 * chosen loopback address, and lets a test write arbitrary bytes. `call` pairs a
 * request with the next `2000` reply; a test that sends garbage should not use it.
 */
export class FrameClient {
  private readonly decoder = new FrameDecoder({ maxPayload: 16 * 1024 * 1024 });
  private readonly replyWaiters: { resolve: (fields: string[]) => void; reject: (error: Error) => void }[] = [];
  private readonly watchers = new Set<() => void>();
  /** Every frame received, in order. */
  readonly frames: ServerFrame[] = [];
  /** Replies that arrived with nobody waiting for them (after garbage was sent, say). */
  readonly unclaimedReplies: string[] = [];
  /** Anything the server sent that breaks the framing or the encoding. */
  readonly problems: string[] = [];
  readonly closed: Promise<void>;
  private isClosed = false;
  bytesReceived = 0;
  /** Replies (2000 and the data replies) received so far. */
  replies = 0;

  private constructor(readonly socket: ClientStream) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        for (const waiter of this.replyWaiters.splice(0)) waiter.reject(new Error('connection closed'));
        for (const watcher of [...this.watchers]) watcher();
        resolve();
      }),
    );
  }

  /** A client of the test server whose TCP port is `port`, over the project's transport (see transports.ts). */
  static async connect(port: number, options: FrameClientOptions = {}): Promise<FrameClient> {
    return new FrameClient(await openClientStream(port, options));
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  private onData(chunk: Buffer): void {
    this.receive(chunk);
    for (const watcher of [...this.watchers]) watcher();
  }

  private receive(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    for (const item of this.decoder.push(chunk)) {
      if (item.kind !== 'frame') {
        this.problems.push(`oversize frame from the server (type ${item.type}, ${item.length} bytes)`);
        continue;
      }
      const text = decodeUtf8Strict(item.payload);
      if (text === null) this.problems.push(`invalid UTF-8 from the server (type ${item.type})`);
      const frame = { type: item.type, text };
      this.frames.push(frame);
      if (REPLY_TYPES.has(item.type)) this.replies += 1;
      if (item.type === 2000) {
        const waiter = this.replyWaiters.shift();
        if (waiter) waiter.resolve(splitFields(text ?? ''));
        else this.unclaimedReplies.push(text ?? '');
      }
    }
  }

  /**
   * Resolves true once `condition` holds (checked after every read), false if the
   * connection closes or `timeoutMs` passes first.
   */
  waitFor(condition: (client: this) => boolean, timeoutMs: number): Promise<boolean> {
    if (condition(this)) return Promise.resolve(true);
    if (this.isClosed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (result: boolean): void => {
        clearTimeout(timer);
        this.watchers.delete(watcher);
        resolve(result);
      };
      const watcher = (): void => {
        if (condition(this)) finish(true);
        else if (this.isClosed) finish(false);
      };
      const timer = setTimeout(() => finish(condition(this)), timeoutMs);
      this.watchers.add(watcher);
    });
  }

  /** Sends one request and resolves with its reply's fields. */
  call(type: number, payload: string | readonly (string | number)[] = ''): Promise<string[]> {
    if (this.isClosed) return Promise.reject(new Error('connection closed'));
    const reply = new Promise<string[]>((resolve, reject) => this.replyWaiters.push({ resolve, reject }));
    this.socket.write(encodeFrame(type, typeof payload === 'string' ? payload : joinFields(payload)));
    return reply;
  }

  /** Writes bytes as they are; resolves once the socket has taken them (backpressure). */
  write(bytes: Buffer): Promise<void> {
    if (this.isClosed || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      if (this.socket.write(bytes)) resolve();
      else {
        const done = (): void => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      }
    });
  }

  destroy(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}
