import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketStream } from './websocket-stream';

/** The transports the protocol suite runs over. */
export type TestTransport = 'tcp' | 'websocket';

export const TRANSPORT_VARIABLE = 'CHAT_TEST_TRANSPORT';

/**
 * The transport of this test file's Jest project: jest.config.js runs the protocol
 * suite once more over WebSocket with the global CHAT_TEST_TRANSPORT; TCP otherwise.
 */
export function projectTransport(): TestTransport {
  const fromProject: unknown = Reflect.get(globalThis, TRANSPORT_VARIABLE);
  const transport = typeof fromProject === 'string' ? fromProject : 'tcp';
  if (transport !== 'tcp' && transport !== 'websocket') {
    throw new Error(`${TRANSPORT_VARIABLE} must be tcp or websocket (got "${transport}")`);
  }
  return transport;
}

/** What a test client reads and writes: a TCP socket, or a WebSocket seen as a byte stream. */
export type ClientStream = Duplex & {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  resetAndDestroy(): ClientStream;
};

export interface ClientStreamOptions {
  readonly host?: string;
  /** The source address to connect from (another loopback address, e.g. 127.0.0.2). */
  readonly localAddress?: string;
}

/** The HTTP port of each test server by its TCP port, while the server runs over WebSocket. */
const httpPortByTcpPort = new Map<number, number>();

/** From now on, clients of the server at `tcpPort` go over its WebSocket at `httpPort` instead. */
export function reachOverWebSocket(tcpPort: number, httpPort: number): void {
  httpPortByTcpPort.set(tcpPort, httpPort);
}

export function forgetServer(tcpPort: number): void {
  httpPortByTcpPort.delete(tcpPort);
}

/**
 * A connection to the server whose TCP port is `port`: a TCP socket, or under the
 * WebSocket project its WebSocket (`ws://host:<httpPort>/ws`). Resolves once open.
 */
export function openClientStream(port: number, options: ClientStreamOptions = {}): Promise<ClientStream> {
  const host = options.host ?? '127.0.0.1';
  if (projectTransport() === 'websocket') {
    const httpPort = httpPortByTcpPort.get(port);
    if (httpPort === undefined) throw new Error(`port ${port} is not a test server reachable over WebSocket`);
    return WebSocketStream.open(`ws://${host}:${httpPort}/ws`, options.localAddress ? { localAddress: options.localAddress } : {});
  }
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ port, host, ...(options.localAddress ? { localAddress: options.localAddress } : {}) }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

const announced = new Set<string>();

/** `it` and `describe` for tests that run over some transports only. */
export interface TransportTests {
  it(name: string, fn: jest.ProvidesCallback, timeout?: number): void;
  describe(name: string, fn: () => void): void;
}

/**
 * Tests about TCP byte streams (a frame cut across writes, a header alone, ...) that
 * mean nothing where every message is one whole frame: they run over TCP and are
 * skipped over WebSocket, with `reason` printed once and named in the skipped test.
 */
export function tcpOnly(reason: string): TransportTests {
  if (projectTransport() === 'tcp') return { it, describe };
  if (!announced.has(reason)) {
    announced.add(reason);
    console.info(`Skipped over WebSocket (TCP only): ${reason}`);
  }
  const label = (name: string): string => `${name} [TCP only: ${reason}]`;
  return {
    it: (name, fn, timeout) => it.skip(label(name), fn, timeout),
    describe: (name, fn) => describe.skip(label(name), fn),
  };
}
