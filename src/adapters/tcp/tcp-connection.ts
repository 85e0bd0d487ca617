import type { Socket } from 'node:net';
import type { PushEvent, Logger } from '../../application/ports';
import { describeError } from '../../application';
import type { ChatUseCases } from '../../application';
import type { ClientConnection } from '../delivery/local-connection-registry';
import type { CommandContext, Frames, Session, buildCommandTable } from './command-table';
import { FrameDecoder } from './frame-decoder';
import { decodeUtf8Strict } from './frame-encoder';
import { Command } from './message-types';
import { pushFrame } from './push-frames';
import { badRequest, notLoggedIn, response, serverError } from './replies';

export interface ConnectionLimits {
  /** Largest payload accepted, in bytes. */
  readonly maxPayload: number;
  /** Close a connection that sends nothing for this long. */
  readonly idleTimeoutMs: number;
  /** Close a connection whose unsent output grows past this many bytes (a client that stopped reading). */
  readonly maxOutputBytes: number;
}

type Request =
  | {
      readonly type: number;
      /** The decoded payload, or null when it was not valid UTF-8. */
      readonly text: string | null;
    }
  /** A frame announced a payload over the limit: answered, then the connection closes. */
  | { readonly type: 'oversize' };

/** Stop reading from a client that pipelines more than this many unanswered requests. */
const MAX_QUEUED_REQUESTS = 1024;

/**
 * One client socket: decodes frames, runs its requests one at a time in arrival
 * order (so replies keep request order and a pipelined LOGIN takes effect before what
 * follows it), writes replies and pushes, and ends the session when the socket closes.
 */
export class TcpConnection implements ClientConnection, CommandContext {
  private readonly decoder: FrameDecoder;
  private readonly queue: Request[] = [];
  /** Whether the request loop runs, and the promise that settles when it stops. */
  private processing = false;
  private loop: Promise<void> = Promise.resolve();
  private closed = false;
  private finished = false;
  /** Pushes that arrive while LOGIN runs wait until its reply has been written. */
  private heldPushes: { frame: Buffer; settle: (written: boolean) => void }[] | null = null;
  private readonly idleTimer: NodeJS.Timeout;
  private closeReason: string | undefined;
  session: Session | null = null;
  readonly remoteAddress: string | undefined;

  constructor(
    readonly id: string,
    private readonly socket: Socket,
    private readonly commands: ReturnType<typeof buildCommandTable>,
    private readonly useCases: ChatUseCases,
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
    private readonly onFinished: (connection: TcpConnection) => void,
  ) {
    this.remoteAddress = socket.remoteAddress;
    this.decoder = new FrameDecoder({ maxPayload: limits.maxPayload });
    socket.setNoDelay(true);
    this.idleTimer = setTimeout(() => this.close('idle'), limits.idleTimeoutMs);
    this.idleTimer.unref();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.logger.debug('socket error', { connection: id, error: error.message }));
    socket.on('close', () => this.handleClose());
  }

  get connectionId(): string {
    return this.id;
  }

  get maxPayload(): number {
    return this.limits.maxPayload;
  }

  setSession(session: Session | null): void {
    this.session = session;
  }

  deliver(event: PushEvent): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    const frame = pushFrame(event);
    return new Promise((settle) => {
      if (this.heldPushes) this.heldPushes.push({ frame, settle });
      else this.write(frame, settle);
    });
  }

  close(reason: string): void {
    if (this.closed) return;
    this.logger.info('closing connection', { connection: this.id, reason });
    this.closeReason = reason;
    this.closed = true;
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.idleTimer.refresh();
    for (const item of this.decoder.push(chunk)) {
      if (item.kind === 'oversize') {
        // The stream cannot be trusted past a frame we refuse to read: answer, then close.
        this.queue.push({ type: 'oversize' });
        this.socket.pause();
        break;
      }
      // Decode now: the payload may share memory with the chunk.
      this.queue.push({ type: item.type, text: decodeUtf8Strict(item.payload) });
    }
    if (this.queue.length > MAX_QUEUED_REQUESTS) this.socket.pause();
    if (!this.processing && this.queue.length > 0) {
      this.processing = true;
      this.loop = this.process();
    }
  }

  private async process(): Promise<void> {
    try {
      await this.drainQueue();
    } finally {
      this.processing = false;
    }
    if (this.closed) await this.finish();
  }

  private async drainQueue(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const request = this.queue.shift()!;
      if (request.type === 'oversize') {
        this.queue.length = 0;
        this.closeReason = 'payload too large';
        this.socket.end(response(400, 'Payload too large'), () => this.socket.destroy());
        break;
      }
      const isLogin = request.type === Command.LOGIN;
      if (isLogin) this.heldPushes = [];
      const frames = await this.answer(request);
      for (const frame of frames) this.write(frame);
      if (isLogin) this.releaseHeldPushes();
      if (this.queue.length <= MAX_QUEUED_REQUESTS / 2 && this.socket.isPaused() && !this.socket.writableEnded) {
        this.socket.resume();
      }
    }
  }

  private async answer(request: { readonly type: number; readonly text: string | null }): Promise<Frames> {
    if (request.text === null) return [badRequest('Invalid encoding')];
    const handler = this.commands.get(request.type);
    if (!handler) return [badRequest('Unknown command')];
    if (handler.requiresLogin && !this.session) return [notLoggedIn()];
    try {
      return await handler.handle(this, request.text);
    } catch (error) {
      this.logger.error('request failed', { connection: this.id, type: request.type, error: describeError(error) });
      return [serverError()];
    }
  }

  private releaseHeldPushes(): void {
    const held = this.heldPushes ?? [];
    this.heldPushes = null;
    for (const { frame, settle } of held) this.write(frame, settle);
  }

  /** Writes a frame; `settle` learns whether it left the process. */
  private write(frame: Buffer, settle?: (written: boolean) => void): void {
    if (this.closed || this.socket.writableEnded) {
      settle?.(false);
      return;
    }
    this.socket.write(frame, settle && ((error) => settle(!error)));
    if (this.socket.writableLength > this.limits.maxOutputBytes) this.close('output limit');
  }

  private handleClose(): void {
    this.closed = true;
    clearTimeout(this.idleTimer);
    for (const { settle } of this.heldPushes ?? []) settle(false);
    this.heldPushes = null;
    if (!this.processing) void this.finish();
  }

  /**
   * Server shutdown: stop reading, let the running request finish, end the session
   * while the other sockets are still open (so friends see the user go offline), then
   * close the socket once what was written has been sent.
   */
  async shutdown(): Promise<void> {
    this.socket.pause();
    this.queue.length = 0;
    await this.loop;
    await this.endSession('server shutdown');
    this.closeReason = 'server shutdown';
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Ends a logged-in session as a disconnect (once). */
  private async endSession(detail: string): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = null;
    try {
      await this.useCases.endSession.execute({
        user: session.user,
        connectionId: this.id,
        sessionId: session.sessionId,
        reason: 'disconnect',
        detail,
      });
    } catch (error) {
      this.logger.error('ending a session failed', { connection: this.id, error: describeError(error) });
    }
  }

  /** Once the socket has closed and no request is running. */
  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.endSession(this.closeReason ?? 'closed by client');
    this.onFinished(this);
  }
}
