import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { FrameDecoder } from '../adapters/protocol/frame-decoder';
import { encodeFrame } from '../adapters/protocol/frame-encoder';
import { CLOSE_GRACE_MS, MAX_TIMER_MS, type ChannelLimits, type ClientChannel, type ClientChannelListener, type TcpEndpoint } from './client-channel';
import { ProtocolError, RequestTimeoutError } from './client-errors';

/** Opens a socket; rejects with its error (e.g. ECONNREFUSED) or a RequestTimeoutError. */
export function openSocket(endpoint: TcpEndpoint, limits: ChannelLimits): Promise<Socket> {
  const { host, port, tls, localAddress } = endpoint;
  const { connectTimeoutMs } = limits;
  return new Promise((resolve, reject) => {
    const plain = tls === undefined || tls === false;
    const socket = plain ? netConnect({ host, port, localAddress }) : tlsConnect({ host, port, ...(tls === true ? {} : tls) });
    const ready = plain ? 'connect' : 'secureConnect';
    const timer =
      connectTimeoutMs > 0
        ? setTimeout(() => fail(new RequestTimeoutError(null, connectTimeoutMs)), Math.min(connectTimeoutMs, MAX_TIMER_MS))
        : null;
    const fail = (error: Error): void => {
      if (timer) clearTimeout(timer);
      socket.off(ready, succeed);
      socket.destroy();
      reject(error);
    };
    const succeed = (): void => {
      if (timer) clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    };
    socket.once('error', fail);
    socket.once(ready, succeed);
  });
}

/** Connects to a TCP (or TLS) server. */
export async function openTcpChannel(endpoint: TcpEndpoint, limits: ChannelLimits): Promise<ClientChannel> {
  return new TcpClientChannel(await openSocket(endpoint, limits), limits.maxPayload);
}

/** A socket as a client channel: frames are a byte stream, decoded as they arrive in any pieces. */
export class TcpClientChannel implements ClientChannel {
  private readonly decoder: FrameDecoder;
  private corked = false;
  private listener: ClientChannelListener | null = null;

  constructor(
    private readonly socket: Socket,
    maxPayload: number,
  ) {
    this.decoder = new FrameDecoder({ maxPayload });
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  listen(listener: ClientChannelListener): void {
    this.listener = listener;
    this.socket.setNoDelay(true);
    this.socket.on('data', this.onData);
    this.socket.on('error', listener.failed);
    this.socket.on('close', listener.closed);
  }

  send(type: number, payload: string): void {
    // Frames written in the same tick leave in one write (writev).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(TcpClientChannel.uncork, this);
    }
    this.socket.write(encodeFrame(type, payload));
  }

  end(): void {
    this.socket.end();
    setTimeout(destroySocket, CLOSE_GRACE_MS, this.socket).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private static uncork(channel: TcpClientChannel): void {
    channel.corked = false;
    channel.socket.uncork();
  }

  private readonly onData = (chunk: Buffer): void => {
    const listener = this.listener!;
    const items = this.decoder.push(chunk);
    for (let i = 0; i < items.length; i++) {
      // A listener may have closed the connection on an earlier frame of this chunk.
      if (this.socket.destroyed) return;
      const item = items[i]!;
      if (item.kind === 'oversize') {
        listener.malformed(new ProtocolError(`the server sent a ${item.length}-byte payload (limit ${this.decoder.maxPayload})`));
        return;
      }
      listener.frame(item.type, item.payload.toString('utf8'));
    }
  };
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}
