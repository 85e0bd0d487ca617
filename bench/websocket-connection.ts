/**
 * The load workers' WebSocket connections: the chat protocol at `/ws` of the server's
 * HTTP listener, one frame per binary message both ways (PROTOCOL §1), under the same
 * WireConnection the TCP workloads use. A request is one `send` of one whole frame;
 * sends made in the same tick leave in one socket write, as the SDK's do over TCP.
 *
 * The client masks every frame it sends (RFC 6455 §5.3) with a random key, as a
 * browser does, so the server pays for unmasking as it would in production; the
 * masking is load-side CPU, which the bench reports as such.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { FRAME_HEADER_SIZE } from '../src/adapters/protocol/frame-decoder';
import type { Target } from './ipc';
import { WIRE_MAX_PAYLOAD, WireConnection, type FrameLink, type FrameSink } from './wire-connection';

/** The path the server's HTTP listener upgrades to the chat protocol. */
export const WEBSOCKET_PATH = '/ws';

/** The frame a message carries, or why it is not exactly one frame. */
function frameOf(data: Buffer): { type: number; payload: Buffer } | string {
  if (data.length < FRAME_HEADER_SIZE) return `a ${data.length}-byte message is shorter than a frame header`;
  const length = data.readUInt32BE(2);
  if (data.length !== FRAME_HEADER_SIZE + length) {
    return `a ${data.length}-byte message announced a ${length}-byte payload: not exactly one frame`;
  }
  return { type: data.readUInt16BE(0), payload: data.subarray(FRAME_HEADER_SIZE) };
}

function uncork(link: WebSocketFrameLink): void {
  link.flush();
}

/** A WebSocket as a FrameLink. */
export class WebSocketFrameLink implements FrameLink {
  private corked = false;

  constructor(
    private readonly ws: WebSocket,
    /** The WebSocket's TCP socket: corked per tick, timed out, reset. */
    private readonly socket: Socket,
  ) {}

  listen(sink: FrameSink): void {
    this.ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary || !Buffer.isBuffer(data)) {
        sink.broken(new Error('the server sent a text message'));
        return;
      }
      const frame = frameOf(data);
      if (typeof frame === 'string') sink.broken(new Error(frame));
      else sink.frame(frame.type, frame.payload);
    });
    this.socket.on('timeout', () => sink.timedOut());
    this.ws.on('error', (error) => sink.error(error));
    this.ws.on('close', (code: number, reason: Buffer) => {
      if (code !== 1000 && code !== 1005 && code !== 1006) sink.error(new Error(`websocket closed ${code} ${reason.toString()}`));
      sink.closed();
    });
  }

  send(frame: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    this.ws.send(frame, { binary: true });
  }

  flush(): void {
    this.corked = false;
    this.socket.uncork();
  }

  setTimeout(ms: number): void {
    this.socket.setTimeout(ms);
  }

  get destroyed(): boolean {
    return this.ws.readyState !== WebSocket.OPEN;
  }

  destroy(): void {
    this.ws.terminate();
  }

  reset(): void {
    this.socket.resetAndDestroy();
  }
}

/** Opens a WebSocket to the target's HTTP listener; resolves once the upgrade is done. */
export function connectWebSocket(target: Target, timeoutMs: number, localAddress?: string): Promise<WireConnection> {
  const httpPort = target.httpPort;
  if (httpPort === undefined) return Promise.reject(new Error('the server under test has no HTTP listener (CHAT_HTTP_PORT)'));
  return new Promise((resolve, reject) => {
    let socket: Socket | null = null;
    const ws = new WebSocket(`ws://${target.host}:${httpPort}${WEBSOCKET_PATH}`, {
      perMessageDeflate: false,
      handshakeTimeout: timeoutMs,
      maxPayload: FRAME_HEADER_SIZE + WIRE_MAX_PAYLOAD,
      localAddress,
    });
    // The upgraded socket, kept to cork it per tick, time it out and reset it.
    ws.once('upgrade', (response: IncomingMessage) => (socket = response.socket));
    const onError = (error: Error): void => reject(error);
    ws.once('error', onError);
    ws.once('open', () => {
      ws.off('error', onError);
      if (socket === null) {
        ws.terminate();
        reject(new Error('the upgrade came without its socket'));
        return;
      }
      resolve(new WireConnection(new WebSocketFrameLink(ws, socket), timeoutMs));
    });
  });
}
