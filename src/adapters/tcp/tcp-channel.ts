import type { Socket } from 'node:net';
import { FrameDecoder } from '../protocol/frame-decoder';
import type { ChannelListener, FrameChannel } from '../protocol/protocol-connection';

/** A frame written while the socket was corked: whether the kernel took it whole on the flush. */
interface CorkedWrite {
  readonly bytes: number;
  tookWhole: boolean;
}

function uncork(channel: TcpChannel): void {
  channel.flushCorked();
}

/**
 * A TCP (or TLS) socket as a frame channel: the byte stream is cut into frames by a
 * streaming decoder, and frames written in the same tick leave in one write.
 */
export class TcpChannel implements FrameChannel {
  private readonly decoder: FrameDecoder;
  /** Writes are being gathered until the end of this tick. */
  private corked = false;
  /** Frames with a delivery to settle, written since the last flush. */
  private corkedWrites: CorkedWrite[] = [];
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;

  constructor(private readonly socket: Socket) {
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.decoder = new FrameDecoder({ maxPayload: 0 });
    socket.setNoDelay(true);
  }

  listen(listener: ChannelListener): void {
    // Decoded items may share memory with the chunk: the listener decodes them at once.
    this.socket.on('data', (chunk: Buffer) => listener.received(this.decoder.push(chunk)));
    this.socket.on('error', (error: NodeJS.ErrnoException) =>
      listener.failed(`socket error ${error.code ?? error.name}`, error),
    );
    this.socket.on('close', () => listener.channelClosed());
  }

  setMaxPayload(bytes: number): void {
    this.decoder.maxPayload = bytes;
  }

  get writable(): boolean {
    return !this.socket.writableEnded && !this.socket.destroyed;
  }

  get pendingOutputBytes(): number {
    return this.socket.writableLength;
  }

  get readingPaused(): boolean {
    return this.socket.isPaused();
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  write(frame: Buffer, settle?: (written: boolean) => void): void {
    if (!this.corked) {
      // Frames written in the same tick (replies of a group commit, pushes) leave in one write.
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    if (!settle) {
      this.socket.write(frame);
      return;
    }
    // Node calls back without an error for a write that destroy() cut short (still in
    // libuv's queue, partly sent or not at all). So a callback counts as written only
    // if the socket is still alive then, or if the kernel took the frame whole at once:
    // when the corked frames are flushed (see flushCorked).
    const write: CorkedWrite = { bytes: frame.length, tookWhole: false };
    this.corkedWrites.push(write);
    this.socket.write(frame, (error) => settle(!error && (write.tookWhole || !this.socket.destroyed)));
  }

  /**
   * Sends what this tick gathered, in one write, and notes which frames the kernel took
   * whole at once: the write calls every frame back together once all of it is sent,
   * so a destroy() before then (output limit, ban) would count frames the client gets
   * anyway as unsent, and they would come again through GET_OFFLINE_MESSAGES.
   */
  flushCorked(): void {
    this.corked = false;
    const writes = this.corkedWrites;
    this.corkedWrites = [];
    const handle = (this.socket as { _handle?: { writeQueueSize?: unknown } | null })._handle;
    const idleBefore = handle?.writeQueueSize === 0;
    const gathered = writes.reduce((sum, write) => sum + write.bytes, 0);
    // Only this tick's frames waiting: they go out as one write of their own.
    const aloneBefore = idleBefore && this.socket.writableLength === gathered;
    this.socket.uncork();
    // Over TLS libuv queues encrypted bytes, which say nothing about frames: callbacks decide.
    const encrypted = (this.socket as { encrypted?: unknown }).encrypted === true;
    if (this.socket.destroyed || encrypted || !aloneBefore || writes.length === 0) return;
    // Still queued by libuv (the kernel's buffer filled up): that much of the end is not sent yet.
    const queued = this.socket.writableLength === 0 ? 0 : handle?.writeQueueSize;
    if (typeof queued !== 'number') return;
    let sent = gathered - queued;
    for (const write of writes) {
      if (write.bytes > sent) break;
      write.tookWhole = true;
      sent -= write.bytes;
    }
  }

  end(_reason: string, last?: Buffer, closeWhenSent = true): void {
    this.socket.pause();
    const sent = closeWhenSent
      ? (): void => {
          this.socket.destroy();
        }
      : undefined;
    if (last) this.socket.end(last, sent);
    else this.socket.end(sent);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
