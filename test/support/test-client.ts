import { FrameDecoder } from '../../src/adapters/protocol/frame-decoder';
import { encodeFrame } from '../../src/adapters/protocol/frame-encoder';
import { joinFields, splitFields } from '../../src/adapters/protocol/fields';
import { openClientStream, type ClientStream } from './transports';

export interface Frame {
  readonly type: number;
  readonly payload: string;
}

const PUSH_TYPES = new Set([2001, 2002, 2003, 2006, 2011, 2012, 2013, 2014, 2016]);

/**
 * A protocol client for the end-to-end tests: replies are matched to requests in
 * order, pushes are collected and can be awaited. It speaks over a TCP socket, or
 * over a WebSocket under the project that runs the suite over WebSocket (see
 * transports.ts).
 */
export class TestClient {
  private readonly decoder = new FrameDecoder({ maxPayload: 16 * 1024 * 1024 });
  private readonly waitingReplies: { resolve: (frame: Frame) => void; reject: (error: Error) => void }[] = [];
  private readonly pushes: Frame[] = [];
  private readonly pushWaiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void; reject: (e: Error) => void }[] = [];
  /** Every frame received, in order. */
  readonly received: Frame[] = [];
  readonly closed: Promise<void>;
  private isClosed = false;

  private constructor(readonly socket: ClientStream) {
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.decoder.push(chunk)) {
        if (item.kind !== 'frame') throw new Error('server sent an oversize frame');
        this.receive({ type: item.type, payload: item.payload.toString('utf8') });
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        const error = new Error('connection closed');
        for (const waiter of this.waitingReplies.splice(0)) waiter.reject(error);
        for (const waiter of this.pushWaiters.splice(0)) waiter.reject(error);
        resolve();
      }),
    );
  }

  /** A client of the test server whose TCP port is `port`, over the project's transport. */
  static async connect(port: number, host = '127.0.0.1'): Promise<TestClient> {
    return new TestClient(await openClientStream(port, { host }));
  }

  /** A client over a stream the test opened itself (a WebSocket of its choice, say). */
  static over(stream: ClientStream): TestClient {
    return new TestClient(stream);
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  private receive(frame: Frame): void {
    this.received.push(frame);
    if (PUSH_TYPES.has(frame.type)) {
      const index = this.pushWaiters.findIndex((w) => w.match(frame));
      if (index >= 0) this.pushWaiters.splice(index, 1)[0]!.resolve(frame);
      else this.pushes.push(frame);
      return;
    }
    const waiter = this.waitingReplies.shift();
    if (!waiter) throw new Error(`unexpected reply ${frame.type} ${frame.payload}`);
    waiter.resolve(frame);
  }

  /** Sends a frame and resolves with its reply (pushes are kept aside). */
  request(type: number, payload: string | number | readonly (string | number)[] = ''): Promise<Frame> {
    const text = typeof payload === 'object' ? joinFields(payload) : String(payload);
    return this.requestRaw(encodeFrame(type, text));
  }

  /** Sends raw bytes that make up exactly one request frame and resolves with its reply. */
  requestRaw(bytes: Buffer): Promise<Frame> {
    const reply = new Promise<Frame>((resolve, reject) => this.waitingReplies.push({ resolve, reject }));
    this.socket.write(bytes);
    return reply;
  }

  /** Replies to requests the test writes itself (e.g. byte by byte), in order. */
  expectReplies(count: number): Promise<Frame[]> {
    return Promise.all(
      Array.from({ length: count }, () => new Promise<Frame>((resolve, reject) => this.waitingReplies.push({ resolve, reject }))),
    );
  }

  /** A reply's fields after unescaping. */
  async call(type: number, payload: string | number | readonly (string | number)[] = ''): Promise<string[]> {
    return splitFields((await this.request(type, payload)).payload);
  }

  /** The next push matching, already received or still to come. */
  async nextPush(type: number, match: (fields: string[]) => boolean = () => true): Promise<string[]> {
    return splitFields((await this.nextPushFrame((f) => f.type === type && match(splitFields(f.payload)))).payload);
  }

  /** The next push frame of any of these types, already received or still to come. */
  nextPushOf(types: readonly number[]): Promise<Frame> {
    return this.nextPushFrame((f) => types.includes(f.type));
  }

  private nextPushFrame(matches: (f: Frame) => boolean): Promise<Frame> {
    const index = this.pushes.findIndex(matches);
    if (index >= 0) return Promise.resolve(this.pushes.splice(index, 1)[0]!);
    if (this.isClosed) return Promise.reject(new Error('connection closed'));
    return new Promise<Frame>((resolve, reject) => this.pushWaiters.push({ match: matches, resolve, reject }));
  }

  /** Pushes received and not yet taken, of a type. */
  pendingPushes(type: number): string[][] {
    return this.pushes.filter((f) => f.type === type).map((f) => splitFields(f.payload));
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }

  destroy(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}

/** A new connection of the user (registered first when asked), logged in with password123. */
export async function logIn(port: number, name: string, register: boolean): Promise<{ client: TestClient; id: number }> {
  const client = await TestClient.connect(port);
  if (register) expect((await client.call(1000, [name, 'password123']))[0]).toBe('200');
  const [status, id] = await client.call(1001, [name, 'password123']);
  expect(status).toBe('200');
  return { client, id: Number(id) };
}

/** The next `count` message pushes (2013 / 2014) of an acknowledging connection, as [type, fields]. */
export async function nextMessages(client: TestClient, count: number): Promise<{ type: number; fields: string[] }[]> {
  const out: { type: number; fields: string[] }[] = [];
  while (out.length < count) {
    const frame = await client.nextPushOf([2013, 2014]);
    out.push({ type: frame.type, fields: splitFields(frame.payload) });
  }
  return out;
}

export { joinFields };
