import type { PushEvent, Logger } from '../../application/ports';
import type { ChatUseCases } from '../../application';
import type { ClientConnection } from '../delivery/local-connection-registry';
import { AckWindow } from '../delivery/ack-window';
import type { AddressFailureCounter } from '../security/address-failure-counter';
import type { CommandContext, ConfirmedReply, Reply, Session, buildCommandTable } from './command-table';
import type { ConnectionObserver, TransportName } from './connection-observer';
import type { DecodedItem } from './frame-decoder';
import { decodeUtf8Strict } from './frame-encoder';
import { Command, ServerMessage } from './message-types';
import { acknowledgedPushFrame, pushFrame } from './push-frames';
import { badRequest, notLoggedIn, response, serverError } from './replies';
import { errorSummary } from './error-summary';
import type { TokenBucket } from './token-bucket';

export interface ConnectionLimits {
  /** Largest payload accepted once logged in, in bytes. */
  readonly maxPayload: number;
  /** Largest payload accepted before LOGIN succeeds and again after LOGOUT (at most maxPayload). */
  readonly maxPayloadBeforeLogin: number;
  /** Close a connection that sends nothing for this long. */
  readonly idleTimeoutMs: number;
  /** Close a connection not logged in this long after it opened, or after its LOGOUT. */
  readonly loginTimeoutMs: number;
  /** Close a connection whose unsent output grows past this many bytes (a client that stopped reading). */
  readonly maxOutputBytes: number;
  /** Messages pushed after ENABLE_ACKS and not yet acknowledged, at most. */
  readonly ackWindow: number;
}

/** What a connection works with besides its channel. */
export interface ConnectionDependencies {
  readonly commands: ReturnType<typeof buildCommandTable>;
  readonly useCases: ChatUseCases;
  readonly limits: ConnectionLimits;
  readonly logger: Logger;
  /** This connection's own request budget: a request past it is answered 429 unprocessed. */
  readonly requestBudget: TokenBucket;
  /** Failed LOGINs per remote address, shared by every connection of the server. */
  readonly loginFailures: AddressFailureCounter;
  /** Consecutive message sends may run side by side (see ConnectionHubOptions). */
  readonly overlapMessageSends?: boolean | 'direct';
  /** Told about connections, requests and pushes (metrics). */
  readonly observer: ConnectionObserver;
}

/**
 * What carries one client's frames: a TCP (or TLS) socket, a WebSocket. It turns what
 * arrives into frames for its `ChannelListener` and writes frames out; everything
 * about the protocol (requests, limits, sessions, pushes) is the connection's.
 */
export interface FrameChannel {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** Starts delivering what arrives to `listener`; called once. */
  listen(listener: ChannelListener): void;
  /** Frames announcing a larger payload arrive as `oversize` from now on. */
  setMaxPayload(bytes: number): void;
  /** Whether a write can still go out (not destroyed, not ended). */
  readonly writable: boolean;
  /** Writes a frame; `settle` learns whether it left the process. May throw only on a bug. */
  write(frame: Buffer, settle?: (written: boolean) => void): void;
  /** Bytes written and not yet sent (a client that stopped reading makes this grow). */
  readonly pendingOutputBytes: number;
  pauseReading(): void;
  resumeReading(): void;
  readonly readingPaused: boolean;
  /**
   * Stops reading, sends what was written and then `last`, and closes once that is sent
   * (with `closeWhenSent` false: lets the client close, the caller destroys later);
   * `reason` says why (a WebSocket close reason).
   */
  end(reason: string, last?: Buffer, closeWhenSent?: boolean): void;
  /** Closes at once; what is unsent is lost. */
  destroy(reason: string): void;
}

/** How a channel reports to its connection. */
export interface ChannelListener {
  /** Frames arrived (decoded in order; an `oversize` item ends what the channel reads). */
  received(items: Iterable<DecodedItem>): void;
  /** Traffic that carries no frame (a WebSocket ping or pong) still shows the client is there. */
  active(): void;
  /** The channel failed (a socket error); `channelClosed` follows. */
  failed(reason: string, detail?: unknown): void;
  /**
   * What arrived breaks the framing (a malformed WebSocket message): nothing more is
   * read, the requests before it are answered, then the channel is ended with `reason`.
   */
  refused(reason: string): void;
  /** The channel is closed: nothing more arrives or leaves. */
  channelClosed(): void;
}

type Request =
  | {
      readonly type: number;
      /** The decoded payload, or null when it was not valid UTF-8. */
      readonly text: string | null;
    }
  /** A frame announced a payload over the limit: answered, then the connection closes. */
  | { readonly type: 'oversize' }
  /** The channel refused what came next (a malformed WebSocket message): what came before is answered, then the connection closes. */
  | { readonly type: 'end'; readonly reason: string };

const isConfirmed = (reply: Reply): reply is ConfirmedReply => !Array.isArray(reply);

/** A reply with what metrics need to know of it. */
interface Answered {
  readonly reply: Reply;
  /** The request's command type. */
  readonly type: number;
  /** The reply's status: a 2000 RESPONSE's code, 200 for a data reply. */
  readonly status: number;
  /** performance.now() when the request was taken up. */
  readonly startedAt: number;
}

type CommandRequest = Extract<Request, { readonly text: string | null }>;

/** Stop reading from a client that pipelines more than this many unanswered requests... */
const MAX_QUEUED_REQUESTS = 1024;
/** ...or more than this many characters of them (a thousand large frames would be 64 MiB). */
const MAX_QUEUED_CHARS = 1024 * 1024;

// Shared, never-mutated reply frames: a flood of refused requests allocates nothing.
const TOO_MANY_REQUESTS = response(429, 'Too many requests');
const TOO_MANY_ATTEMPTS = response(429, 'Too many attempts');

/** Requests that may run beside the ones before them (see canOverlap)... */
const OVERLAPPING_COMMANDS: ReadonlySet<number> = new Set([Command.SEND_MESSAGE, Command.SEND_GROUP_MESSAGE]);
/** ...at most this many at once per connection. */
const PIPELINE_WINDOW = 64;

const DIGIT_0 = 0x30;
const PIPE = 0x7c;

function digitAt(frame: Buffer, index: number): number {
  const value = frame[index]! - DIGIT_0;
  return value >= 0 && value <= 9 ? value : NaN;
}

/** The status code of a `2000 RESPONSE` frame, or NaN for any other frame. */
function replyStatus(frame: Buffer | undefined): number {
  if (frame === undefined || frame.length < 9 || frame.readUInt16BE(0) !== ServerMessage.RESPONSE) return NaN;
  if (frame.length > 9 && frame[9] !== PIPE) return NaN;
  return digitAt(frame, 6) * 100 + digitAt(frame, 7) * 10 + digitAt(frame, 8);
}

const MESSAGE_PUSHES: ReadonlySet<number> = new Set([ServerMessage.MESSAGE_RECEIVED, ServerMessage.GROUP_MESSAGE_RECEIVED]);

/**
 * One client, whatever carries its frames (see FrameChannel): runs its requests one at a time
 * in arrival order (so replies keep request order and a pipelined LOGIN takes effect
 * before what follows it; only consecutive message sends may overlap, see canOverlap), writes replies and pushes, and ends the session when the
 * channel closes. Nothing that goes wrong here may escape to the process: every channel
 * event handler catches, and the worst outcome is this connection closing.
 */
export class ProtocolConnection implements ClientConnection, CommandContext, ChannelListener {
  private readonly queue: Request[] = [];
  /** Characters of payload waiting in the queue. */
  private queuedChars = 0;
  private readonly limits: ConnectionLimits;
  private readonly logger: Logger;
  /** Whether the request loop runs, and the promise that settles when it stops. */
  private processing = false;
  private loop: Promise<void> = Promise.resolve();
  /** The channel is gone (destroyed or closed): nothing more is written. */
  private closed = false;
  /** A last reply is being flushed before the channel closes: nothing more is read. */
  private ending = false;
  private finished = false;
  /** Pushes that arrive while LOGIN runs wait until its reply has been written. */
  private heldPushes: { frame: Buffer; settle: (written: boolean) => void }[] | null = null;
  private readonly idleTimer: NodeJS.Timeout;
  private loginTimer: NodeJS.Timeout | null = null;
  /** The login deadline passed while a request was running: close once it is answered. */
  private loginOverdue = false;
  private reason: string | undefined;
  private throttled = 0;
  /** After ENABLE_ACKS: the messages pushed and not yet acknowledged. */
  private acks: AckWindow | null = null;
  /** Runs once the current request's reply has been written (ENABLE_ACKS starts its catch-up there). */
  private afterReply: (() => void) | null = null;
  session: Session | null = null;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** Epoch milliseconds. */
  readonly openedAt = Date.now();

  private readonly observer: ConnectionObserver;

  constructor(
    readonly id: string,
    readonly transport: TransportName,
    private readonly channel: FrameChannel,
    private readonly dependencies: ConnectionDependencies,
    private readonly onFinished: (connection: ProtocolConnection) => void,
  ) {
    this.limits = dependencies.limits;
    this.logger = dependencies.logger;
    this.observer = dependencies.observer;
    this.remoteAddress = channel.remoteAddress;
    this.remotePort = channel.remotePort;
    channel.setMaxPayload(this.limits.maxPayloadBeforeLogin);
    this.idleTimer = setTimeout(() => this.close('idle'), this.limits.idleTimeoutMs);
    this.idleTimer.unref();
    this.startLoginDeadline();
    channel.listen(this);
  }

  get connectionId(): string {
    return this.id;
  }

  get maxPayload(): number {
    return this.limits.maxPayload;
  }

  /** Why the connection closed (or is closing); 'closed by client' when it just went away. */
  get closeReason(): string {
    return this.reason ?? 'closed by client';
  }

  /** Requests answered 429 because this connection went over its rate. */
  get throttledRequests(): number {
    return this.throttled;
  }

  get loginAddressBlocked(): boolean | Promise<boolean> {
    return this.dependencies.loginFailures.isBlocked(this.remoteAddress);
  }

  /** LOGIN (a session) lifts the payload limit and the login deadline; LOGOUT (null) restores both. */
  setSession(session: Session | null): void {
    this.session = session;
    this.stopAcks();
    if (session) {
      this.channel.setMaxPayload(this.limits.maxPayload);
      this.stopLoginDeadline();
    } else {
      this.channel.setMaxPayload(this.limits.maxPayloadBeforeLogin);
      this.startLoginDeadline();
    }
  }

  enableAcks(): void {
    const session = this.session;
    if (this.acks || !session) return;
    const { useCases } = this.dependencies;
    const acks = new AckWindow({
      size: this.limits.ackWindow,
      fetch: (after, limit) => useCases.listUndeliveredMessages.execute({ userId: session.user.id, after, limit }),
      write: (event) => this.writePush(acknowledgedPushFrame(event), (written) => this.countLive(written)),
      onError: (error) =>
        this.logger.error('fetching undelivered messages failed', { connection: this.id, error: errorSummary(error) }),
    });
    this.acks = acks;
    // Everything still undelivered follows the 200, oldest first.
    this.afterReply = () => acks.start();
  }

  acknowledged(messageKeys: readonly number[]): void {
    this.acks?.acknowledged(messageKeys);
  }

  private stopAcks(): void {
    this.acks?.stop();
    this.acks = null;
  }

  deliver(event: PushEvent): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.acks && (event.kind === 'direct-message' || event.kind === 'group-message')) {
      // Written is not delivered here: the client's ACK is (PROTOCOL §8).
      this.acks.offer(event);
      return Promise.resolve(false);
    }
    let frame: Buffer;
    try {
      frame = pushFrame(event);
    } catch (error) {
      this.logger.error('push failed', { connection: this.id, kind: event.kind, error: errorSummary(error) });
      return Promise.resolve(false);
    }
    const message = MESSAGE_PUSHES.has(frame.readUInt16BE(0));
    return new Promise((resolve) => {
      const settle = message
        ? (written: boolean): void => {
            this.countLive(written);
            resolve(written);
          }
        : resolve;
      if (this.heldPushes) this.heldPushes.push({ frame, settle });
      else this.writePush(frame, settle);
    });
  }

  private countLive(written: boolean): void {
    if (written) this.observer.messagesDelivered('live', 1);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.reason ??= reason;
    this.closed = true;
    this.stopLoginDeadline();
    this.channel.destroy(reason);
  }

  received(items: Iterable<DecodedItem>): void {
    try {
      this.receive(items);
    } catch (error) {
      this.logger.error('connection failed', { connection: this.id, error: errorSummary(error) });
      this.close('internal error');
    }
  }

  active(): void {
    if (!this.closed) this.idleTimer.refresh();
  }

  failed(reason: string, detail?: unknown): void {
    this.reason ??= reason;
    this.logger.info(reason, { connection: this.id, ...(detail !== undefined && { error: errorSummary(detail) }) });
  }

  refused(reason: string): void {
    if (this.closed || this.ending) return;
    this.channel.pauseReading();
    this.enqueue({ type: 'end', reason });
  }

  private enqueue(request: Request): void {
    this.queue.push(request);
    if (!this.processing) {
      this.processing = true;
      this.loop = this.process();
    }
  }

  private receive(items: Iterable<DecodedItem>): void {
    if (this.closed || this.ending) return;
    this.idleTimer.refresh();
    for (const item of items) {
      if (item.kind === 'oversize') {
        // The stream cannot be trusted past a frame we refuse to read: answer, then close.
        this.queue.push({ type: 'oversize' });
        this.channel.pauseReading();
        break;
      }
      // Decode now: the payload may share memory with the chunk.
      const text = decodeUtf8Strict(item.payload);
      if (text !== null) this.queuedChars += text.length;
      this.queue.push({ type: item.type, text });
    }
    if (this.queue.length > MAX_QUEUED_REQUESTS || this.queuedChars > MAX_QUEUED_CHARS) this.channel.pauseReading();
    if (!this.processing && this.queue.length > 0) {
      this.processing = true;
      this.loop = this.process();
    }
  }

  /** Never rejects: a bug in the loop closes this connection and nothing else. */
  private async process(): Promise<void> {
    try {
      await this.drainQueue();
    } catch (error) {
      this.logger.error('connection failed', { connection: this.id, error: errorSummary(error) });
      this.close('internal error');
    } finally {
      this.processing = false;
    }
    if (this.closed) await this.finish();
  }

  private async drainQueue(): Promise<void> {
    // Replies of pipelined requests already started, in request order.
    const started: Promise<Answered>[] = [];
    // The command the started requests share: a direct and a group message do not overlap.
    let startedType: number | null = null;
    while (!this.closed && !this.ending) {
      const next = this.queue[0];
      if (
        next !== undefined &&
        started.length < PIPELINE_WINDOW &&
        this.canOverlap(next) &&
        (started.length === 0 || next.type === startedType)
      ) {
        this.queue.shift();
        startedType = next.type;
        started.push(this.startOverlapping(next));
        continue;
      }
      if (started.length > 0) {
        // A request that may not overlap waits until every earlier one is answered.
        await this.send(await started.shift()!);
      } else if (next !== undefined) {
        this.queue.shift();
        if (!(await this.handleAlone(next))) break;
      } else {
        break;
      }
      if (this.loginOverdue && !this.session) {
        this.endWith('login timeout');
        break;
      }
      this.resumeIfCaughtUp();
    }
    // Closing: the use-cases already started finish before the session ends (answer never rejects).
    for (const rest of started) await rest;
  }

  /**
   * With `overlapMessageSends`, consecutive message sends overlap (each starts before
   * the previous one is answered), so one connection's messages share a group commit
   * instead of waiting a commit each. They change nothing about the connection, and
   * each one's use-case asks the storage for its reads and writes in the same order
   * as the one before it did; a storage that works in that order stores and pushes
   * them in request order. Replies still leave in request order.
   */
  private canOverlap(request: Request): request is CommandRequest {
    const overlap = this.dependencies.overlapMessageSends;
    if (typeof request.type !== 'number' || this.session === null) return false;
    if (overlap === 'direct') return request.type === Command.SEND_MESSAGE;
    return overlap === true && OVERLAPPING_COMMANDS.has(request.type);
  }

  private startOverlapping(request: CommandRequest): Promise<Answered> {
    if (request.text !== null) this.queuedChars -= request.text.length;
    if (!this.dependencies.requestBudget.tryTake()) {
      this.countThrottled();
      return Promise.resolve(this.answered(request.type, performance.now(), [TOO_MANY_REQUESTS]));
    }
    return this.answer(request);
  }

  /** One request with nothing else running; false when the connection is to close after it. */
  private async handleAlone(request: Request): Promise<boolean> {
    if (request.type === 'end') {
      this.endWith(request.reason);
      return false;
    }
    if (request.type === 'oversize') {
      this.endWith('payload too large', response(400, 'Payload too large'));
      return false;
    }
    if (request.text !== null) this.queuedChars -= request.text.length;
    if (!this.dependencies.requestBudget.tryTake()) {
      this.countThrottled();
      await this.send(this.answered(request.type, performance.now(), [TOO_MANY_REQUESTS]));
    } else if (request.type === Command.LOGIN || request.type === Command.RESUME) {
      await this.logIn(request);
    } else {
      await this.send(await this.answer(request));
      const after = this.afterReply;
      this.afterReply = null;
      after?.();
    }
    return true;
  }

  private resumeIfCaughtUp(): void {
    if (
      this.queue.length <= MAX_QUEUED_REQUESTS / 2 &&
      this.queuedChars <= MAX_QUEUED_CHARS / 2 &&
      this.channel.readingPaused &&
      this.channel.writable
    ) {
      this.channel.resumeReading();
    }
  }

  private countThrottled(): void {
    this.throttled += 1;
    if (this.throttled === 1) {
      this.logger.warn('request rate limit reached', { connection: this.id, remote: this.remoteAddress });
    }
  }

  /**
   * LOGIN or RESUME, with the per-address limit around the use-case: a blocked address
   * is refused LOGIN without calling it (RESUME checks its token first: a valid one is
   * never refused), and every 401 either answers counts against the address.
   */
  private async logIn(request: { readonly type: number; readonly text: string | null }): Promise<void> {
    this.heldPushes = [];
    // Form errors (no `|` at all) keep their 400; already logged in keeps its 409.
    const blocked =
      request.type === Command.LOGIN &&
      this.session === null &&
      request.text !== null &&
      request.text.includes('|') &&
      (await this.dependencies.loginFailures.isBlocked(this.remoteAddress));
    const answered = blocked
      ? this.answered(request.type, performance.now(), [TOO_MANY_ATTEMPTS])
      : await this.answer(request);
    await this.send(answered);
    this.releaseHeldPushes();
    if (answered.status === 401) await this.dependencies.loginFailures.recordFailure(this.remoteAddress);
  }

  /**
   * Writes a reply. A confirmed one is confirmed once its write completes, before the
   * next request runs, so the next fetch does not hand out the same batch again.
   */
  private async send({ reply, type, status, startedAt }: Answered): Promise<void> {
    this.observer.requestAnswered(type, status, (performance.now() - startedAt) / 1000);
    if (!isConfirmed(reply)) {
      for (const frame of reply) this.write(frame);
      return;
    }
    const written = await new Promise<boolean>((settle) => this.write(reply.frame, settle));
    if (!written) return;
    try {
      await reply.confirm();
      if (reply.count > 0) this.observer.messagesDelivered('later', reply.count);
    } catch (error) {
      // Left undelivered: the client may get the batch again, never lose it.
      this.logger.error('marking a fetched batch delivered failed', { connection: this.id, error: errorSummary(error) });
    }
  }

  private async answer(request: { readonly type: number; readonly text: string | null }): Promise<Answered> {
    const startedAt = performance.now();
    return this.answered(request.type, startedAt, await this.reply(request));
  }

  private answered(type: number, startedAt: number, reply: Reply): Answered {
    // A data reply (2004, 2015, ...) answers 200.
    const status = replyStatus(isConfirmed(reply) ? reply.frame : reply[0]);
    return { reply, type, startedAt, status: Number.isNaN(status) ? 200 : status };
  }

  private async reply(request: { readonly type: number; readonly text: string | null }): Promise<Reply> {
    if (request.text === null) return [badRequest('Invalid encoding')];
    const handler = this.dependencies.commands.get(request.type);
    if (!handler) return [badRequest('Unknown command')];
    if (handler.requiresLogin && !this.session) return [notLoggedIn()];
    try {
      return await handler.handle(this, request.text);
    } catch (error) {
      this.logger.error('request failed', { connection: this.id, type: request.type, error: errorSummary(error) });
      return [serverError()];
    }
  }

  private releaseHeldPushes(): void {
    const held = this.heldPushes ?? [];
    this.heldPushes = null;
    for (const { frame, settle } of held) this.writePush(frame, settle);
  }

  private writePush(frame: Buffer, settle?: (written: boolean) => void): void {
    this.observer.pushWritten(frame.readUInt16BE(0));
    this.write(frame, settle);
  }

  /** Writes a frame; `settle` learns whether it left the process. */
  private write(frame: Buffer, settle?: (written: boolean) => void): void {
    if (this.closed || !this.channel.writable) {
      settle?.(false);
      return;
    }
    try {
      this.channel.write(frame, settle);
    } catch (error) {
      // Only a bug gets here (a frame that is not a Buffer); the stream itself is intact.
      this.logger.error('write failed', { connection: this.id, error: errorSummary(error) });
      settle?.(false);
      return;
    }
    if (this.channel.pendingOutputBytes > this.limits.maxOutputBytes) this.close('output limit');
  }

  /** Stops reading, sends what was written plus `last`, then closes. */
  private endWith(reason: string, last?: Buffer): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.reason ??= reason;
    this.clearQueue();
    this.stopLoginDeadline();
    this.channel.end(reason, last);
  }

  private clearQueue(): void {
    this.queue.length = 0;
    this.queuedChars = 0;
  }

  private startLoginDeadline(): void {
    if (this.closed || this.ending) return;
    this.stopLoginDeadline();
    this.loginTimer = setTimeout(() => this.loginDeadlinePassed(), this.limits.loginTimeoutMs);
    this.loginTimer.unref();
  }

  private stopLoginDeadline(): void {
    this.loginOverdue = false;
    if (this.loginTimer) clearTimeout(this.loginTimer);
    this.loginTimer = null;
  }

  private loginDeadlinePassed(): void {
    this.loginTimer = null;
    if (this.session || this.closed || this.ending) return;
    // A request still running (a LOGIN waiting for its hash under load) gets its answer first.
    if (this.processing) this.loginOverdue = true;
    else this.close('login timeout');
  }

  channelClosed(): void {
    this.closed = true;
    this.stopAcks();
    clearTimeout(this.idleTimer);
    this.stopLoginDeadline();
    for (const { settle } of this.heldPushes ?? []) settle(false);
    this.heldPushes = null;
    if (!this.processing) void this.finish();
  }

  /**
   * Server shutdown: stop reading, let the running request finish, end the session
   * while the other connections are still open (so friends see the user go offline),
   * then close once what was written has been sent.
   */
  async shutdown(): Promise<void> {
    this.channel.pauseReading();
    this.clearQueue();
    this.stopLoginDeadline();
    await this.loop;
    await this.endSession('server shutdown');
    this.reason ??= 'server shutdown';
    this.channel.end('server shutdown', undefined, false);
    setTimeout(() => this.channel.destroy('server shutdown'), 1000).unref();
  }

  /** Ends a logged-in session as a disconnect (once). */
  private async endSession(detail: string): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = null;
    try {
      await this.dependencies.useCases.endSession.execute({
        user: session.user,
        connectionId: this.id,
        sessionId: session.sessionId,
        reason: 'disconnect',
        detail,
      });
    } catch (error) {
      this.logger.error('ending a session failed', { connection: this.id, error: errorSummary(error) });
    }
  }

  /** Once the channel has closed and no request is running. Never rejects. */
  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.endSession(this.closeReason);
    try {
      this.onFinished(this);
    } catch (error) {
      this.logger.error('releasing a connection failed', { connection: this.id, error: errorSummary(error) });
    }
  }
}
