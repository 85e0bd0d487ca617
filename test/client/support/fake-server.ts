import { createServer, type Server, type Socket } from 'node:net';
import { FrameDecoder } from '../../../src/adapters/protocol/frame-decoder';
import { encodeFrame } from '../../../src/adapters/protocol/frame-encoder';
import { splitFields } from '../../../src/adapters/protocol/fields';

export interface ReceivedFrame {
  readonly type: number;
  readonly payload: string;
}

/** A frame as bytes, for scripting what the fake server sends. */
export const frame = (type: number, payload = ''): Buffer => encodeFrame(type, payload);

/**
 * The far end of one client connection, scripted frame by frame by a test:
 * read the requests the client sent, write whatever bytes the test wants.
 */
export class FakePeer {
  private readonly decoder = new FrameDecoder({ maxPayload: 16 * 1024 * 1024 });
  private readonly received: ReceivedFrame[] = [];
  private readonly waiters: { count: number; resolve: (frames: ReceivedFrame[]) => void; reject: (e: Error) => void }[] = [];
  private ended = false;
  /** Resolves when the client's socket has closed (from either side). */
  readonly closed: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.decoder.push(chunk)) {
        if (item.kind === 'frame') this.received.push({ type: item.type, payload: item.payload.toString('utf8') });
      }
      this.settle();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        for (const w of this.waiters.splice(0)) w.reject(new Error('fake peer: connection closed'));
        resolve();
      }),
    );
  }

  private settle(): void {
    while (this.waiters.length > 0 && this.received.length >= this.waiters[0]!.count) {
      const waiter = this.waiters.shift()!;
      waiter.resolve(this.received.splice(0, waiter.count));
    }
  }

  /** The next `count` request frames the client sends (already sent ones included). */
  requests(count: number): Promise<ReceivedFrame[]> {
    if (this.ended && this.received.length < count) return Promise.reject(new Error('fake peer: connection closed'));
    const promise = new Promise<ReceivedFrame[]>((resolve, reject) => this.waiters.push({ count, resolve, reject }));
    this.settle();
    return promise;
  }

  async request(): Promise<ReceivedFrame> {
    return (await this.requests(1))[0]!;
  }

  /** The next request's fields after unescaping. */
  async requestFields(): Promise<{ type: number; fields: string[] }> {
    const r = await this.request();
    return { type: r.type, fields: splitFields(r.payload) };
  }

  send(type: number, payload = ''): void {
    this.socket.write(frame(type, payload));
  }

  /** Writes raw bytes (several frames at once, part of one, anything). */
  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** Writes the bytes one at a time, each after the previous one was handed to the OS. */
  async writeByteByByte(bytes: Buffer): Promise<void> {
    for (let i = 0; i < bytes.length; i++) await this.write(bytes.subarray(i, i + 1));
  }

  /** Drops the connection abruptly. */
  drop(): void {
    this.socket.destroy();
  }
}

/** A TCP server on a free loopback port whose connections the test drives by hand. */
export class FakeServer {
  private readonly peers: FakePeer[] = [];
  private readonly all: FakePeer[] = [];
  private readonly waiting: ((peer: FakePeer) => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('connection', (socket) => {
      const peer = new FakePeer(socket);
      this.all.push(peer);
      const waiter = this.waiting.shift();
      if (waiter) waiter(peer);
      else this.peers.push(peer);
    });
  }

  /** Listens on `port`, default a free one (pass a closed server's port to bring it back). */
  static start(port = 0): Promise<FakeServer> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        if (address === null || typeof address === 'string') throw new Error('no port');
        resolve(new FakeServer(server, address.port));
      });
    });
  }

  /** The next connection accepted (or already accepted and not yet taken). */
  accept(): Promise<FakePeer> {
    const peer = this.peers.shift();
    return peer ? Promise.resolve(peer) : new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      // Connections still open keep close() waiting: end them.
      for (const peer of this.all) peer.drop();
    });
  }
}
