import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { FRAME_HEADER_SIZE, type DecodedItem } from '../protocol/frame-decoder';
import type { ChannelListener, FrameChannel } from '../protocol/protocol-connection';

/** WebSocket close codes (RFC 6455 §7.4.1). */
export const CloseCode = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  UNSUPPORTED_DATA: 1003,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
});

/** The close code a connection's close reason is told with. */
function closeCode(reason: string): number {
  switch (reason) {
    case 'server shutdown':
    case 'server shutdown deadline':
      return CloseCode.GOING_AWAY;
    case 'payload too large':
      return CloseCode.MESSAGE_TOO_BIG;
    case 'internal error':
      return CloseCode.INTERNAL_ERROR;
    case 'idle':
    case 'login timeout':
    case 'banned':
    case 'output limit':
      return CloseCode.POLICY_VIOLATION;
    default:
      return CloseCode.NORMAL;
  }
}

/** A WebSocket close reason is at most 123 bytes; ours are short ASCII phrases. */
function closeText(reason: string): string {
  return reason.slice(0, 123);
}

/** How long a closing handshake may take before the socket is cut. */
const CLOSE_GRACE_MS = 1000;

function handOver(channel: WebSocketChannel): void {
  channel.handOverReceived();
}

/**
 * A WebSocket as a frame channel: each binary message carries exactly one protocol
 * frame (PROTOCOL §1), both ways. A text message, or a binary one that is not exactly
 * one frame, closes the WebSocket (1003 / 1007) with the reason. A frame announcing more
 * than the current payload limit is an `oversize` item, answered as over TCP.
 *
 * Writes are gathered per tick on the underlying socket, as TCP's are, so a group
 * commit's replies and pushes leave in one write. Reads are gathered too: the messages
 * of one socket read reach the connection together, as a TCP chunk's frames do, so a
 * client's pipelined sends start together and share a commit.
 */
export class WebSocketChannel implements FrameChannel {
  private maxPayload = 0;
  private corked = false;
  private listener: ChannelListener | null = null;
  /** Messages of the current socket read, handed over at the end of its tick. */
  private receivedItems: DecodedItem[] = [];
  /** A frame announced more than the limit, or a message broke the framing: nothing more is read. */
  private stopped = false;
  /** How the WebSocket closes after a message that broke the framing. */
  private refusal: { readonly code: number; readonly text: string } | null = null;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
  ) {
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    socket.setNoDelay(true);
  }

  listen(listener: ChannelListener): void {
    this.listener = listener;
    this.ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => this.message(data, isBinary));
    this.ws.on('ping', () => listener.active());
    this.ws.on('pong', () => listener.active());
    this.ws.on('error', (error: Error & { code?: string }) =>
      listener.failed(`websocket error ${error.code ?? error.name}`, error),
    );
    this.ws.on('close', () => {
      this.handOverReceived();
      listener.channelClosed();
    });
  }

  private message(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const listener = this.listener;
    if (!listener || this.stopped) return;
    if (!isBinary) {
      this.refuse(CloseCode.UNSUPPORTED_DATA, 'text messages are not accepted: send one frame per binary message');
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (bytes.length < FRAME_HEADER_SIZE) {
      this.refuse(CloseCode.INVALID_PAYLOAD, 'a message must be exactly one frame');
      return;
    }
    const type = bytes.readUInt16BE(0);
    const length = bytes.readUInt32BE(2);
    let item: DecodedItem;
    if (length > this.maxPayload) {
      // As over TCP: the connection answers 400 and closes.
      this.stopped = true;
      item = { kind: 'oversize', type, length };
    } else if (bytes.length !== FRAME_HEADER_SIZE + length) {
      this.refuse(CloseCode.INVALID_PAYLOAD, 'a message must be exactly one frame');
      return;
    } else {
      item = { kind: 'frame', type, payload: bytes.subarray(FRAME_HEADER_SIZE) };
    }
    // ws emits a read's messages one by one: handed over one at a time, the first of a
    // pipelined window would start alone and commit alone, the rest waiting behind it.
    if (this.receivedItems.length === 0) process.nextTick(handOver, this);
    this.receivedItems.push(item);
  }

  /** Hands the messages gathered since the last call to the connection. */
  handOverReceived(): void {
    const items = this.receivedItems;
    if (items.length === 0) return;
    this.receivedItems = [];
    this.listener?.received(items);
  }

  /** A message that breaks the framing: what came before is answered, then the WebSocket closes with `code`. */
  private refuse(code: number, text: string): void {
    this.handOverReceived();
    this.stopped = true;
    this.refusal = { code, text };
    this.listener?.refused('malformed websocket message');
  }

  setMaxPayload(bytes: number): void {
    this.maxPayload = bytes;
  }

  get writable(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  get pendingOutputBytes(): number {
    return this.ws.bufferedAmount;
  }

  get readingPaused(): boolean {
    return this.ws.isPaused;
  }

  pauseReading(): void {
    this.ws.pause();
  }

  resumeReading(): void {
    this.ws.resume();
  }

  write(frame: Buffer, settle?: (written: boolean) => void): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    if (!settle) {
      this.ws.send(frame, { binary: true });
      return;
    }
    // A write that a destroy cut short is called back without an error: count it as
    // sent only if the socket is still there (the message then comes again, never lost).
    this.ws.send(frame, { binary: true }, (error) => settle(!error && !this.socket.destroyed));
  }

  end(reason: string, last?: Buffer): void {
    this.stopped = true;
    if (this.writable) {
      this.pauseReading();
      if (last) this.ws.send(last, { binary: true });
    }
    if (this.refusal) this.close(this.refusal.code, this.refusal.text);
    else this.close(closeCode(reason), reason);
  }

  destroy(reason: string): void {
    this.stopped = true;
    if (this.ws.readyState === this.ws.OPEN && this.ws.bufferedAmount === 0) {
      // Nothing waiting: the client can learn why before the socket goes.
      this.close(closeCode(reason), reason);
    } else {
      this.ws.terminate();
    }
  }

  /** Starts the closing handshake and cuts the socket if it does not finish soon. */
  private close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.CLOSED) return;
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, closeText(reason));
    // Read again so the client's close frame completes the handshake; messages are ignored once stopped.
    this.ws.resume();
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}
