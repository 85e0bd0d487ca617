import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import { FRAME_HEADER_SIZE } from '../../src/adapters/protocol/frame-decoder';

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/**
 * A client WebSocket as a byte stream, so the test clients written for TCP sockets
 * speak the WebSocket transport unchanged: every binary message that arrives is read
 * as bytes, and the bytes written are cut into whole frames by their header's length,
 * each sent as one binary message (PROTOCOL §1 over WebSocket). Bytes that do not
 * make a whole frame yet wait for the rest. Ending the stream closes the WebSocket
 * normally; destroying it cuts the connection.
 */
export class WebSocketStream extends Duplex {
  /** Written bytes that do not make a whole frame yet. */
  private unsent: Buffer = Buffer.alloc(0);
  /** The TCP (or TLS) socket under the WebSocket. */
  private readonly socket: Socket;

  private constructor(
    readonly ws: WebSocket,
    socket: Socket,
  ) {
    super({ allowHalfOpen: false });
    this.socket = socket;
    ws.on('message', (data: RawData) => {
      // Backpressure as over TCP: a reader that stops reading stops the WebSocket reading.
      if (!this.push(toBuffer(data))) ws.pause();
    });
    ws.on('error', (error: Error) => this.destroy(error));
    ws.on('close', () => {
      this.push(null);
      // A paused reader never sees the end: the connection is gone all the same.
      if (this.isPaused()) this.destroy();
    });
  }

  /** Opens a WebSocket and resolves once it is open; rejects when the upgrade is refused or fails. */
  static open(url: string, options: ClientOptions = {}): Promise<WebSocketStream> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      let socket: Socket | null = null;
      ws.once('upgrade', (response) => {
        socket = response.socket;
      });
      ws.once('error', reject);
      ws.once('open', () => {
        ws.off('error', reject);
        resolve(new WebSocketStream(ws, socket!));
      });
    });
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  /** Cuts the connection without a closing handshake (as a TCP reset cuts a socket). */
  resetAndDestroy(): this {
    this.ws.terminate();
    return this.destroy();
  }

  override _read(): void {
    this.ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let bytes = this.unsent.length === 0 ? chunk : Buffer.concat([this.unsent, chunk]);
    let sending = 0;
    const sent = (): void => {
      sending -= 1;
      if (sending === 0) callback();
    };
    sending += 1;
    while (bytes.length >= FRAME_HEADER_SIZE) {
      const end = FRAME_HEADER_SIZE + bytes.readUInt32BE(2);
      if (bytes.length < end) break;
      sending += 1;
      // A send after the close is called back with an error; the stream learns of the close from the WebSocket.
      this.ws.send(bytes.subarray(0, end), { binary: true }, sent);
      bytes = bytes.subarray(end);
    }
    this.unsent = Buffer.from(bytes);
    sent();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.ws.close(1000);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    callback(error);
  }
}
