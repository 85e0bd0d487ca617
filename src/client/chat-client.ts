import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { FrameDecoder } from '../adapters/tcp/frame-decoder';
import { encodeFrame } from '../adapters/tcp/frame-encoder';
import { escapeField, splitFields, splitFieldsWithFreeText } from '../adapters/tcp/fields';
import { ChatError, ConnectionClosedError, ProtocolError, RequestTimeoutError } from './client-errors';
import type { ChatClientEvents, DirectMessage, FriendRequest, GroupMessage, UnexpectedFrame } from './events';
import { Fifo } from './fifo';
import type { CreatedGroup, Friend, GroupMember, GroupSummary, RegisteredUser, UserIdentity } from './results';
import { RequestType, ServerFrameType } from './wire-types';
import {
  createdGroup,
  decodeList,
  directMessageAt,
  friendAt,
  friendRequestAccepted,
  friendRequestPush,
  friendRequestRecordAt,
  groupMemberAt,
  groupMessageAt,
  groupSummaryAt,
  membershipChange,
  presenceUpdate,
  registeredUser,
  statusOf,
  userIdentity,
} from './wire-decoding';

export interface ChatClientOptions {
  /** Default `127.0.0.1`. */
  readonly host?: string;
  readonly port: number;
  /** Plain TCP: the local address to connect from (e.g. one of 127.0.0.x, to spread many connections over source ports). */
  readonly localAddress?: string;
  /**
   * How long a request may wait for its reply, in ms (default 30,000; 0 disables).
   * On expiry the connection is closed and every pending request rejects.
   */
  readonly requestTimeoutMs?: number;
  /** How long connecting may take, in ms (default: the request timeout, or 30,000). */
  readonly connectTimeoutMs?: number;
  /** Connect with TLS: `true` for the defaults, or Node's `tls.connect` options. */
  readonly tls?: boolean | TlsConnectionOptions;
  /** Largest payload accepted from the server, in bytes (default 16 MiB). A larger frame closes the connection. */
  readonly maxPayload?: number;
  /**
   * Called when an event listener throws. The client itself carries on with the
   * frames after it either way. Default: the error is re-thrown on the next tick, an
   * uncaught exception as with any EventEmitter listener.
   */
  readonly onListenerError?: (error: unknown, event: keyof ChatClientEvents) => void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_CLIENT_MAX_PAYLOAD = 16 * 1024 * 1024;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How long `close()` waits for the server to close its side before destroying the socket. */
const CLOSE_GRACE_MS = 2_000;

/** A request waiting for its reply. Method syntax keeps `PendingRequest<T>` assignable to `PendingRequest<unknown>`. */
interface PendingRequest<T> {
  readonly command: number;
  /** The TYPE of a successful reply: 2000, or a data reply (2004, 2005, 2007–2010). */
  readonly replyType: number;
  /** `performance.now()` after which it has timed out. */
  readonly deadline: number;
  decode(payload: string): T;
  resolve(value: T): void;
  reject(error: Error): void;
}

// Reply decoders: module-level, so a request allocates no closure for them.
const nothing = (): void => undefined;
const asRegisteredUser = (p: string): RegisteredUser => registeredUser(splitFields(p));
const asUserIdentity = (p: string): UserIdentity => userIdentity(splitFields(p));
const asCreatedGroup = (p: string): CreatedGroup => createdGroup(splitFields(p));
const asFriends = (p: string): Friend[] => decodeList(splitFields(p), 3, friendAt);
const asDirectMessages = (p: string): DirectMessage[] => decodeList(splitFields(p), 4, directMessageAt);
const asFriendRequests = (p: string): FriendRequest[] => decodeList(splitFields(p), 4, friendRequestRecordAt);
const asGroups = (p: string): GroupSummary[] => decodeList(splitFields(p), 4, groupSummaryAt);
const asGroupMembers = (p: string): GroupMember[] => decodeList(splitFields(p), 4, groupMemberAt);
const asGroupMessages = (p: string): GroupMessage[] => decodeList(splitFields(p), 6, groupMessageAt);

/** The error text of a 2000 payload: what follows the code, unescaped as one field. */
function errorText(payload: string): string {
  return payload.length <= 4 ? '' : splitFieldsWithFreeText(payload.slice(4), 1)![0]!;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new ProtocolError(String(value));
}

function checkedMs(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number of ms, got ${value}`);
  return value;
}

/**
 * A connection to a chat server speaking PROTOCOL.md: one typed async method per
 * command, one typed event per push.
 *
 * Replies are matched to requests strictly in order, so requests may be pipelined
 * (several in flight without awaiting). Every request settles: with its result, a
 * ChatError (error status), a ProtocolError, a RequestTimeoutError, or a
 * ConnectionClosedError when the connection goes away first.
 *
 * Frames the client does not act on (an unknown TYPE, a malformed push, a reply no
 * request waits for) are reported as `unexpectedFrame` and otherwise ignored; they
 * never close the connection. The client never emits `'error'`, so no listener is
 * required. A listener that throws does not disturb the client: its exception goes
 * to `onListenerError` (default: re-thrown on the next tick, as an uncaught exception).
 */
export class ChatClient extends EventEmitter<ChatClientEvents> {
  private readonly decoder: FrameDecoder;
  private readonly pending = new Fifo<PendingRequest<unknown>>();
  private readonly requestTimeoutMs: number;
  private readonly onListenerError: (error: unknown, event: keyof ChatClientEvents) => void;
  private timer: NodeJS.Timeout | null = null;
  private corked = false;
  /** False once close() or destroy() was called, or the connection failed: new requests reject. */
  private accepting = true;
  private closedByUser = false;
  private socketClosed = false;
  /** Why the connection failed, when it did. */
  private failure: Error | undefined;
  private session: UserIdentity | null = null;
  private resolveClosed!: (error: Error | undefined) => void;

  /** Settles when the socket has closed, with the same value as the `close` event. */
  readonly closed: Promise<Error | undefined>;

  private constructor(
    private readonly socket: Socket,
    options: ChatClientOptions,
  ) {
    super();
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.onListenerError = options.onListenerError ?? rethrowLater;
    this.decoder = new FrameDecoder({ maxPayload: options.maxPayload ?? DEFAULT_CLIENT_MAX_PAYLOAD });
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /** Connects; rejects with the socket's error (e.g. ECONNREFUSED) or a RequestTimeoutError. */
  static connect(options: ChatClientOptions): Promise<ChatClient> {
    const requestTimeoutMs = checkedMs('requestTimeoutMs', options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    const connectTimeoutMs = checkedMs(
      'connectTimeoutMs',
      options.connectTimeoutMs ?? (requestTimeoutMs > 0 ? requestTimeoutMs : DEFAULT_REQUEST_TIMEOUT_MS),
    );
    if (options.maxPayload !== undefined && (!Number.isSafeInteger(options.maxPayload) || options.maxPayload < 0)) {
      throw new RangeError(`maxPayload must be a non-negative integer, got ${options.maxPayload}`);
    }
    const host = options.host ?? '127.0.0.1';
    const { port, tls, localAddress } = options;
    return new Promise((resolve, reject) => {
      const socket =
        tls === undefined || tls === false
          ? netConnect({ host, port, localAddress })
          : tlsConnect({ host, port, ...(tls === true ? {} : tls) });
      const ready = tls === undefined || tls === false ? 'connect' : 'secureConnect';
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
        resolve(new ChatClient(socket, { ...options, requestTimeoutMs }));
      };
      socket.once('error', fail);
      socket.once(ready, succeed);
    });
  }

  /** The user this connection is logged in as (after `login`, until `logout`), or null. */
  get user(): UserIdentity | null {
    return this.session;
  }

  /** True until close() or destroy() is called or the connection fails. */
  get isOpen(): boolean {
    return this.accepting;
  }

  /** Requests sent and not yet answered. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  // Seed commands (PROTOCOL §4).

  /** 1000 REGISTER. */
  register(username: string, password: string): Promise<RegisteredUser> {
    return this.send(RequestType.REGISTER, `${escapeField(username)}|${escapeField(password)}`, 2000, asRegisteredUser);
  }

  /** 1001 LOGIN. Pending friend requests then arrive as `friendRequest` events. */
  async login(username: string, password: string): Promise<UserIdentity> {
    const user = await this.send(RequestType.LOGIN, `${escapeField(username)}|${escapeField(password)}`, 2000, asUserIdentity);
    this.session = user;
    return user;
  }

  /** 1002 LOGOUT. The connection stays open. */
  async logout(): Promise<void> {
    await this.send(RequestType.LOGOUT, '', 2000, nothing);
    this.session = null;
  }

  /** 1003 SEND_MESSAGE. */
  sendMessage(receiverId: number, content: string): Promise<void> {
    return this.send(RequestType.SEND_MESSAGE, `${receiverId}|${escapeField(content)}`, 2000, nothing);
  }

  /** 1004 SEND_GROUP_MESSAGE. */
  sendGroupMessage(groupId: number, content: string): Promise<void> {
    return this.send(RequestType.SEND_GROUP_MESSAGE, `${groupId}|${escapeField(content)}`, 2000, nothing);
  }

  /** 1005 SEND_FRIEND_REQUEST, by username (matched ignoring case). */
  sendFriendRequest(username: string): Promise<void> {
    return this.send(RequestType.SEND_FRIEND_REQUEST, escapeField(username), 2000, nothing);
  }

  /** 1006 ACCEPT_FRIEND_REQUEST. */
  acceptFriendRequest(requestId: number): Promise<void> {
    return this.send(RequestType.ACCEPT_FRIEND_REQUEST, String(requestId), 2000, nothing);
  }

  /** 1007 REJECT_FRIEND_REQUEST. */
  rejectFriendRequest(requestId: number): Promise<void> {
    return this.send(RequestType.REJECT_FRIEND_REQUEST, String(requestId), 2000, nothing);
  }

  /** 1008 UNFRIEND. */
  unfriend(friendId: number): Promise<void> {
    return this.send(RequestType.UNFRIEND, String(friendId), 2000, nothing);
  }

  /** 1009 GET_FRIEND_LIST → 2004, ordered by username. */
  getFriendList(): Promise<Friend[]> {
    return this.send(RequestType.GET_FRIEND_LIST, '', ServerFrameType.FRIEND_LIST_DATA, asFriends);
  }

  /** 1010 CREATE_GROUP; you become its admin. */
  createGroup(name: string): Promise<CreatedGroup> {
    return this.send(RequestType.CREATE_GROUP, escapeField(name), 2000, asCreatedGroup);
  }

  /** 1011 ADD_TO_GROUP (admins only). */
  addToGroup(groupId: number, userId: number): Promise<void> {
    return this.send(RequestType.ADD_TO_GROUP, `${groupId}|${userId}`, 2000, nothing);
  }

  /** 1012 REMOVE_FROM_GROUP (admins only). */
  removeFromGroup(groupId: number, userId: number): Promise<void> {
    return this.send(RequestType.REMOVE_FROM_GROUP, `${groupId}|${userId}`, 2000, nothing);
  }

  /** 1013 LEAVE_GROUP. */
  leaveGroup(groupId: number): Promise<void> {
    return this.send(RequestType.LEAVE_GROUP, String(groupId), 2000, nothing);
  }

  /** 1014 GET_OFFLINE_MESSAGES → 2005: the next batch, oldest first; call again until it is empty. */
  getOfflineMessages(): Promise<DirectMessage[]> {
    return this.send(RequestType.GET_OFFLINE_MESSAGES, '', ServerFrameType.OFFLINE_MESSAGES_DATA, asDirectMessages);
  }

  // Extensions (PROTOCOL §6). A server without one answers ChatError 400 `Unknown command` (isUnknownCommand).

  /** 1015 GET_FRIEND_REQUESTS → 2007: pending requests addressed to you, oldest first. */
  getFriendRequests(): Promise<FriendRequest[]> {
    return this.send(RequestType.GET_FRIEND_REQUESTS, '', ServerFrameType.FRIEND_REQUESTS_DATA, asFriendRequests);
  }

  /** 1016 GET_GROUPS → 2008: your groups, by group id. */
  getGroups(): Promise<GroupSummary[]> {
    return this.send(RequestType.GET_GROUPS, '', ServerFrameType.GROUP_LIST_DATA, asGroups);
  }

  /** 1017 GET_GROUP_MEMBERS → 2009, by username. */
  getGroupMembers(groupId: number): Promise<GroupMember[]> {
    return this.send(RequestType.GET_GROUP_MEMBERS, String(groupId), ServerFrameType.GROUP_MEMBERS_DATA, asGroupMembers);
  }

  /** 1018 GET_OFFLINE_GROUP_MESSAGES → 2010: the next batch, oldest first; call again until it is empty. */
  getOfflineGroupMessages(): Promise<GroupMessage[]> {
    return this.send(
      RequestType.GET_OFFLINE_GROUP_MESSAGES,
      '',
      ServerFrameType.OFFLINE_GROUP_MESSAGES_DATA,
      asGroupMessages,
    );
  }

  /** 1019 PING: allowed before LOGIN; keeps an idle connection open. */
  ping(): Promise<void> {
    return this.send(RequestType.PING, '', 2000, nothing);
  }

  /** 1020 FIND_USER: the id and registered name of a username (looked up ignoring case). */
  findUser(username: string): Promise<UserIdentity> {
    return this.send(RequestType.FIND_USER, escapeField(username), 2000, asUserIdentity);
  }

  /**
   * Closes gracefully: new requests reject at once, requests already sent still get
   * their replies (or time out), then the socket is ended. Resolves once it has closed.
   */
  close(): Promise<void> {
    if (this.accepting) {
      this.accepting = false;
      this.closedByUser = true;
      if (this.pending.size === 0) this.endSocket();
    }
    return this.closed.then(nothing);
  }

  /** Closes at once: every pending request rejects with a ConnectionClosedError. */
  destroy(): void {
    if (this.socketClosed) return;
    if (this.failure === undefined) this.closedByUser = true;
    this.accepting = false;
    this.rejectPending(new ConnectionClosedError('connection destroyed by the client'));
    this.socket.destroy();
  }

  private send<T>(command: number, payload: string, replyType: number, decode: (payload: string) => T): Promise<T> {
    if (!this.accepting) {
      return Promise.reject(new ConnectionClosedError('connection closed', { cause: this.failure }));
    }
    const frame = encodeFrame(command, payload);
    const deadline = performance.now() + this.requestTimeoutMs;
    const reply = new Promise<T>((resolve, reject) => {
      this.pending.push({ command, replyType, deadline, decode, resolve, reject });
    });
    // Frames written in the same tick leave in one write (writev).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(ChatClient.uncork, this);
    }
    this.socket.write(frame);
    if (this.timer === null && this.requestTimeoutMs > 0) this.armTimer(this.requestTimeoutMs);
    return reply;
  }

  private static uncork(client: ChatClient): void {
    client.corked = false;
    client.socket.uncork();
  }

  /**
   * One timer for the whole queue: replies come in order, and deadlines grow in
   * queue order, so only the oldest request can be the first to time out. The timer
   * is not re-armed per reply; when it fires it re-arms for the current oldest.
   */
  private armTimer(ms: number): void {
    this.timer = setTimeout(this.onTimer, Math.min(Math.max(Math.ceil(ms), 1), MAX_TIMER_MS));
    this.timer.unref();
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    const oldest = this.pending.peek();
    if (oldest === undefined || this.socketClosed) return;
    const remaining = oldest.deadline - performance.now();
    if (remaining > 0) this.armTimer(remaining);
    else this.fail(new RequestTimeoutError(oldest.command, this.requestTimeoutMs));
  };

  private readonly onData = (chunk: Buffer): void => {
    const items = this.decoder.push(chunk);
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.kind === 'oversize') {
        this.fail(new ProtocolError(`the server sent a ${item.length}-byte payload (limit ${this.decoder.maxPayload})`));
        return;
      }
      this.handleFrame(item.type, item.payload.toString('utf8'));
    }
  };

  private handleFrame(type: number, payload: string): void {
    switch (type) {
      case ServerFrameType.RESPONSE:
      case ServerFrameType.FRIEND_LIST_DATA:
      case ServerFrameType.OFFLINE_MESSAGES_DATA:
      case ServerFrameType.FRIEND_REQUESTS_DATA:
      case ServerFrameType.GROUP_LIST_DATA:
      case ServerFrameType.GROUP_MEMBERS_DATA:
      case ServerFrameType.OFFLINE_GROUP_MESSAGES_DATA:
        this.handleReply(type, payload);
        return;
      case ServerFrameType.MESSAGE_RECEIVED:
      case ServerFrameType.GROUP_MESSAGE_RECEIVED:
      case ServerFrameType.FRIEND_REQUEST_RECEIVED:
      case ServerFrameType.USER_STATUS_UPDATE:
      case ServerFrameType.FRIEND_REQUEST_ACCEPTED:
      case ServerFrameType.GROUP_MEMBERSHIP_CHANGED:
        this.handlePush(type, payload);
        return;
      default:
        this.report({ type, payload, reason: 'unknown-type' });
    }
  }

  private handleReply(type: number, payload: string): void {
    const request = this.pending.shift();
    if (request === undefined) {
      this.report({ type, payload, reason: 'unsolicited-reply' });
      return;
    }
    let value: unknown;
    try {
      value = this.decodeReply(request, type, payload);
    } catch (error) {
      request.reject(toError(error));
      this.afterReply();
      return;
    }
    request.resolve(value);
    this.afterReply();
  }

  private decodeReply(request: PendingRequest<unknown>, type: number, payload: string): unknown {
    if (type === ServerFrameType.RESPONSE) {
      const status = statusOf(payload);
      if (status < 0) throw new ProtocolError(`reply to ${request.command} has no status: "${payload}"`);
      if (status < 200 || status > 299) throw new ChatError(status, errorText(payload), request.command);
    }
    if (type !== request.replyType) {
      throw new ProtocolError(`expected a ${request.replyType} reply to ${request.command}, got ${type} "${payload}"`);
    }
    return request.decode(payload);
  }

  private afterReply(): void {
    if (!this.accepting && this.closedByUser && this.pending.size === 0) this.endSocket();
  }

  private handlePush(type: number, payload: string): void {
    try {
      switch (type) {
        case ServerFrameType.MESSAGE_RECEIVED:
          if (this.listenerCount('message') > 0) this.deliver('message', directMessageAt(splitFields(payload), 0));
          return;
        case ServerFrameType.GROUP_MESSAGE_RECEIVED:
          if (this.listenerCount('groupMessage') > 0) this.deliver('groupMessage', groupMessageAt(splitFields(payload), 0));
          return;
        case ServerFrameType.FRIEND_REQUEST_RECEIVED:
          if (this.listenerCount('friendRequest') > 0) this.deliver('friendRequest', friendRequestPush(splitFields(payload)));
          return;
        case ServerFrameType.USER_STATUS_UPDATE:
          if (this.listenerCount('presence') > 0) this.deliver('presence', presenceUpdate(splitFields(payload)));
          return;
        case ServerFrameType.FRIEND_REQUEST_ACCEPTED:
          if (this.listenerCount('friendRequestAccepted') > 0) {
            this.deliver('friendRequestAccepted', friendRequestAccepted(splitFields(payload)));
          }
          return;
        case ServerFrameType.GROUP_MEMBERSHIP_CHANGED:
          if (this.listenerCount('membershipChanged') > 0) {
            this.deliver('membershipChanged', membershipChange(splitFields(payload)));
          }
          return;
      }
    } catch (error) {
      // Only decoding throws here: deliver() catches what listeners throw.
      if (!(error instanceof ProtocolError)) throw error;
      this.report({ type, payload, reason: 'malformed-push' });
    }
  }

  /** Emits an event; a listener's exception must not leave the frames after it unprocessed. */
  private deliver<K extends keyof ChatClientEvents>(
    event: K,
    ...args: K extends keyof ChatClientEvents ? ChatClientEvents[K] : never
  ): void {
    try {
      this.emit(event, ...args);
    } catch (error) {
      this.onListenerError(error, event);
    }
  }

  private report(frame: UnexpectedFrame): void {
    this.deliver('unexpectedFrame', frame);
  }

  /** The connection cannot be trusted any more: reject everything and close. */
  private fail(error: Error): void {
    if (this.socketClosed) return;
    this.failure ??= error;
    this.accepting = false;
    this.rejectPending(error);
    this.socket.destroy();
  }

  /** A RequestTimeoutError rejects its own request with itself, the rest with a ConnectionClosedError. */
  private rejectPending(reason: Error): void {
    let request = this.pending.shift();
    if (request === undefined) return;
    if (reason instanceof RequestTimeoutError) {
      request.reject(reason);
      request = this.pending.shift();
    }
    const closed = reason instanceof ConnectionClosedError ? reason : new ConnectionClosedError('connection closed', { cause: reason });
    for (; request !== undefined; request = this.pending.shift()) request.reject(closed);
  }

  private endSocket(): void {
    this.socket.end();
    setTimeout(destroySocket, CLOSE_GRACE_MS, this.socket).unref();
  }

  private readonly onError = (error: Error): void => {
    // 'close' follows; remember why.
    if (!this.closedByUser) this.failure ??= error;
  };

  private readonly onClose = (): void => {
    this.socketClosed = true;
    this.accepting = false;
    this.session = null;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const error =
      this.closedByUser && this.failure === undefined
        ? undefined
        : (this.failure ?? new ConnectionClosedError('connection closed by the server'));
    this.rejectPending(
      error instanceof ConnectionClosedError ? error : new ConnectionClosedError('connection closed', { cause: error }),
    );
    this.resolveClosed(error);
    this.deliver('close', error);
  };
}

function rethrowLater(error: unknown): void {
  process.nextTick(rethrow, error);
}

function rethrow(error: unknown): never {
  throw error;
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}
