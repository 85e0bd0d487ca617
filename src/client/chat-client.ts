import { EventEmitter } from 'node:events';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { escapeField, splitFields } from '../adapters/protocol/fields';
import { AckBatcher } from './ack-batcher';
import { ChatError, ConnectionClosedError, ProtocolError } from './client-errors';
import type { ClientChannel, Endpoint, WebSocketConstructor } from './client-channel';
import { Connection, openChannel, type ConnectionSettings } from './connection';
import type { ChatClientEvents, DirectMessage, FriendRequest, GroupMessage } from './events';
import { RecentIds } from './recent-ids';
import {
  MAX_ACK_IDS,
  needsFreshToken,
  reconnectDelay,
  reliableSettings,
  type ReliableOptions,
  type ReliableSettings,
  type SavedSession,
} from './reliable-mode';
import { soon, utf8ByteLength } from './runtime';
import type {
  BlockedUser,
  ConversationKind,
  ConversationSummary,
  CreatedGroup,
  Friend,
  GroupMember,
  GroupSummary,
  HistoryMessage,
  Privacy,
  RegisteredUser,
  SessionToken,
  UserIdentity,
} from './results';
import { RequestType, ServerFrameType } from './wire-types';
import {
  blockedUserAt,
  CONVERSATION_KIND_CODE,
  conversationSummaryAt,
  countAfterStatus,
  createdGroup,
  decodeList,
  directMessageAt,
  directMessageWithId,
  friendAt,
  friendRequestAccepted,
  friendRequestPush,
  friendRequestRecordAt,
  groupMemberAt,
  groupMessageAt,
  groupMessageWithId,
  groupSummaryAt,
  historyMessageAt,
  membershipChange,
  presenceUpdate,
  readReceipt,
  registeredUser,
  sessionToken,
  userIdentity,
} from './wire-decoding';

/** Options of every connection, whatever carries it. */
export interface CommonClientOptions {
  /**
   * How long a request may wait for its reply, in ms (default 30,000; 0 disables).
   * On expiry the connection is closed and every pending request rejects.
   */
  readonly requestTimeoutMs?: number;
  /** How long connecting may take, in ms (default: the request timeout, or 30,000). */
  readonly connectTimeoutMs?: number;
  /** Largest payload accepted from the server, in bytes (default 16 MiB). A larger frame closes the connection. */
  readonly maxPayload?: number;
  /**
   * Called when an event listener throws. The client itself carries on with the
   * frames after it either way. Default: the error is re-thrown on the next tick, an
   * uncaught exception as with any EventEmitter listener.
   */
  readonly onListenerError?: (error: unknown, event: keyof ChatClientEvents) => void;
  /**
   * Reliable mode (PROTOCOL §8): at-least-once delivery without duplicates, and
   * reconnecting by itself after a lost connection. Off unless given; see ReliableOptions.
   */
  readonly reliable?: ReliableOptions;
}

/** Connecting to a server's TCP port (the protocol's own transport). */
export interface ChatClientOptions extends CommonClientOptions {
  /** Default `127.0.0.1`. */
  readonly host?: string;
  readonly port: number;
  /** Plain TCP: the local address to connect from (e.g. one of 127.0.0.x, to spread many connections over source ports). */
  readonly localAddress?: string;
  /** Connect with TLS: `true` for the defaults, or Node's `tls.connect` options. */
  readonly tls?: boolean | TlsConnectionOptions;
  readonly url?: never;
  readonly webSocket?: never;
}

/** A server's WebSocket endpoint, one frame per binary message: what a browser can reach. */
export interface WebSocketClientOptions extends CommonClientOptions {
  /** `ws://host:port/ws`, or `wss://` for a server with TLS. */
  readonly url: string;
  /** The WebSocket class (default: the global one, in browsers and Node 22+; on Node 20, pass the `ws` package's). */
  readonly webSocket?: WebSocketConstructor;
  readonly host?: never;
  readonly port?: never;
  readonly tls?: never;
}

/** Either a TCP port (`port`, optionally `host` and `tls`) or a WebSocket endpoint (`url`). */
export type ConnectOptions = ChatClientOptions | WebSocketClientOptions;

/** Which page of GET_HISTORY (PROTOCOL §9) to fetch. */
export interface HistoryOptions {
  /**
   * Only messages with ids below this one: to page back, the smallest `messageId` of
   * the previous page. Default: from the newest.
   */
  readonly beforeMessageId?: number;
  /** At most this many messages, 1–100 (default 50). The server may return fewer when a full page would be too large. */
  readonly limit?: number;
}

/** Which page of GET_CONVERSATIONS (PROTOCOL §9) to fetch. */
export interface ConversationListOptions {
  /** Only conversations older than this one: to page on, the last row's `lastMessageId`. Default: from the newest. */
  readonly beforeLastMessageId?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_HISTORY_LIMIT = 50;
export const MAX_HISTORY_LIMIT = 100;
/** MARK_READ up to this id marks a whole conversation read (the largest id there can be). */
export const ALL_MESSAGES = Number.MAX_SAFE_INTEGER;
export const DEFAULT_CLIENT_MAX_PAYLOAD = 16 * 1024 * 1024;
/** The longest reason REPORT_USER takes, in bytes of UTF-8 (PROTOCOL §10). */
export const MAX_REPORT_REASON_BYTES = 1000;

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
const asSessionToken = (p: string): SessionToken => sessionToken(splitFields(p));
const asCount = (p: string): number => countAfterStatus(splitFields(p));
const asHistory = (p: string): HistoryMessage[] => decodeList(splitFields(p), 6, historyMessageAt);
const asConversations = (p: string): ConversationSummary[] => decodeList(splitFields(p), 6, conversationSummaryAt);
const asBlocked = (p: string): BlockedUser[] => decodeList(splitFields(p), 2, blockedUserAt);

function kindCode(kind: ConversationKind): string {
  const code = CONVERSATION_KIND_CODE[kind] as string | undefined;
  if (code === undefined) throw new RangeError(`kind must be 'direct' or 'group', got ${String(kind)}`);
  return code;
}

function privacyWord(privacy: Privacy): Privacy {
  if (privacy !== 'everyone' && privacy !== 'friends') {
    throw new RangeError(`privacy must be 'everyone' or 'friends', got ${String(privacy)}`);
  }
  return privacy;
}

/** A report's reason as the server takes it: 1 to 1000 bytes of UTF-8 (the server also refuses one of only whitespace). */
function checkedReason(reason: string): string {
  const bytes = utf8ByteLength(reason);
  if (bytes < 1 || bytes > MAX_REPORT_REASON_BYTES) {
    throw new RangeError(`reason must be 1 to ${MAX_REPORT_REASON_BYTES} bytes of UTF-8, got ${bytes}`);
  }
  return reason;
}

function checkedMs(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number of ms, got ${value}`);
  return value;
}

/** The options checked and defaulted; throws a RangeError for nonsense. */
function connectionSettings(options: ConnectOptions): ConnectionSettings {
  const requestTimeoutMs = checkedMs('requestTimeoutMs', options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const connectTimeoutMs = checkedMs(
    'connectTimeoutMs',
    options.connectTimeoutMs ?? (requestTimeoutMs > 0 ? requestTimeoutMs : DEFAULT_REQUEST_TIMEOUT_MS),
  );
  const maxPayload = options.maxPayload ?? DEFAULT_CLIENT_MAX_PAYLOAD;
  if (!Number.isSafeInteger(maxPayload) || maxPayload < 0) {
    throw new RangeError(`maxPayload must be a non-negative integer, got ${maxPayload}`);
  }
  return { endpoint: endpointOf(options), requestTimeoutMs, connectTimeoutMs, maxPayload };
}

function endpointOf(options: ConnectOptions): Endpoint {
  if (options.url !== undefined) {
    if (options.port !== undefined) throw new RangeError('give either url (a WebSocket) or port (TCP), not both');
    return { kind: 'websocket', url: options.url, webSocket: options.webSocket };
  }
  const { port, tls, localAddress } = options;
  return { kind: 'tcp', host: options.host ?? '127.0.0.1', port, tls, localAddress };
}

/** A refused token: the server will not take it again (PROTOCOL §8: 401 dead, 403 banned). */
const isRefusal = (error: unknown): error is ChatError => error instanceof ChatError && (error.status === 401 || error.status === 403);

/** Rethrows anything but a ChatError (an answer: the server lacks the command, or refuses it). */
function unlessChatError(error: unknown): void {
  if (!(error instanceof ChatError)) throw error;
}

/** What reliable mode holds on top of the options. */
interface ReliableState {
  readonly settings: ReliableSettings;
  readonly acks: AckBatcher;
  readonly seen: RecentIds;
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
 *
 * With the `reliable` option one ChatClient outlives its connections: see
 * ReliableOptions, and the `disconnected` / `reconnecting` / `reconnected` /
 * `reconnectFailed` events.
 */
export class ChatClient extends EventEmitter<ChatClientEvents> {
  private readonly onListenerError: (error: unknown, event: keyof ChatClientEvents) => void;
  private readonly reliableState: ReliableState | null;
  /** The current connection; null while reconnecting and once closed. */
  private connection: Connection | null = null;
  private session: UserIdentity | null = null;
  /** The current connection has acks enabled. */
  private acksOn = false;
  /** Reliable mode: logged in with a saved token, so a lost connection is resumed. */
  private resumable = false;
  /** Between `disconnected` and `reconnected`. */
  private reconnecting = false;
  private reconnectAttempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** close(), destroy() or a failure: no new requests, no reconnects. */
  private stopping = false;
  /** Why the client stops, when it is not the user's doing. */
  private stopError: Error | undefined;
  /** The last connection failure, as the cause of later rejections. */
  private lastFailure: Error | undefined;
  private finished = false;
  private resolveClosed!: (error: Error | undefined) => void;

  /** Settles when the client has closed for good, with the same value as the `close` event. */
  readonly closed: Promise<Error | undefined>;

  private constructor(
    channel: ClientChannel,
    private readonly settings: ConnectionSettings,
    options: CommonClientOptions,
  ) {
    super();
    this.onListenerError = options.onListenerError ?? rethrowLater;
    this.reliableState = options.reliable === undefined ? null : this.makeReliableState(reliableSettings(options.reliable));
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.attach(channel);
  }

  /**
   * Connects over TCP (`port`) or a WebSocket (`url`); rejects with the socket's error
   * (e.g. ECONNREFUSED), a ConnectionClosedError when a WebSocket could not open, or a
   * RequestTimeoutError. Throws a RangeError for nonsense options.
   */
  static connect(options: ConnectOptions): Promise<ChatClient> {
    const settings = connectionSettings(options);
    if (options.reliable !== undefined) reliableSettings(options.reliable); // checked before connecting
    return openChannel(settings).then((channel) => new ChatClient(channel, settings, options));
  }

  /** The user this connection is logged in as (after `login` or `resume`, until `logout` or the connection is lost), or null. */
  get user(): UserIdentity | null {
    return this.session;
  }

  /**
   * True until close() or destroy() is called or the connection fails. In reliable mode
   * a failed connection of a resumable session does not count: it stays true while the
   * client reconnects, until it gives up.
   */
  get isOpen(): boolean {
    return !this.stopping && (this.resumable || (this.connection?.isOpen ?? false));
  }

  /** True while a connection is up (false while reconnecting). */
  get isConnected(): boolean {
    return this.connection !== null && this.connection.isOpen;
  }

  /** Whether this connection receives messages with ids, to acknowledge (ENABLE_ACKS succeeded). */
  get acksEnabled(): boolean {
    return this.acksOn;
  }

  /** Requests sent and not yet answered. */
  get pendingRequests(): number {
    return this.connection?.pendingRequests ?? 0;
  }

  // Seed commands (PROTOCOL §4).

  /** 1000 REGISTER. */
  register(username: string, password: string): Promise<RegisteredUser> {
    return this.send(RequestType.REGISTER, `${escapeField(username)}|${escapeField(password)}`, 2000, asRegisteredUser);
  }

  /**
   * 1001 LOGIN. Pending friend requests then arrive as `friendRequest` events. In
   * reliable mode it resolves once the session token is saved and acks are enabled;
   * a server without §8 (any ChatError to those) leaves a working session that is
   * not resumable (`acksEnabled` stays false). Should saving the token fail or the
   * connection drop meanwhile, it rejects although the user may be logged in (`user`).
   */
  login(username: string, password: string): Promise<UserIdentity> {
    return this.authenticate(RequestType.LOGIN, `${escapeField(username)}|${escapeField(password)}`, null);
  }

  /**
   * 1002 LOGOUT. The connection stays open. In reliable mode the session stops being
   * resumable and the saved token is forgotten (`saveToken(null)`); acknowledgements
   * still waiting are sent first.
   */
  async logout(): Promise<void> {
    this.acks?.flush();
    const wasResumable = this.resumable;
    this.resumable = false; // a connection lost from here on is not resumed: you are leaving
    try {
      await this.send(RequestType.LOGOUT, '', 2000, nothing);
      this.session = null;
      this.acksOn = false;
    } finally {
      if (wasResumable) await this.reliable!.saveToken(null);
    }
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

  // Reliable sessions (PROTOCOL §8). Reliable mode (the `reliable` option) calls these itself.

  /** 1021 SESSION_TOKEN (logged in): a token for `resume`, valid until `expiresAt` (epoch ms). */
  getSessionToken(): Promise<SessionToken> {
    return this.send(RequestType.SESSION_TOKEN, '', 2000, asSessionToken);
  }

  /**
   * 1022 RESUME: logs in with a session token instead of the password, answered like
   * LOGIN (ChatError 401 for a dead token, 403, 429). In reliable mode a fresh token is
   * then fetched and saved (this one's expiry is unknown) and acks are enabled.
   */
  resume(username: string, token: string): Promise<UserIdentity> {
    return this.authenticate(RequestType.RESUME, `${escapeField(username)}|${escapeField(token)}`, null);
  }

  /**
   * Reliable mode: resumes the session `loadToken` returns (say, one saved by an
   * earlier run of the application). Resolves with the user, or null when nothing is
   * saved. A token the server refuses (401/403) is forgotten, and the ChatError thrown.
   */
  async resumeSaved(): Promise<UserIdentity | null> {
    if (this.reliable === null) throw new Error('resumeSaved() needs the reliable option');
    const saved = await this.reliable.loadToken();
    if (saved === null) return null;
    try {
      return await this.resumeWith(saved);
    } catch (error) {
      await this.forgetRefusedToken(error);
      throw error;
    }
  }

  /**
   * 1023 ENABLE_ACKS (logged in): from now on messages come as 2013/2014 (`messageId`
   * set) and count as delivered only once acknowledged; every message still
   * undelivered follows at once. Without reliable mode, acknowledging is up to you (`ack`).
   */
  async enableAcks(): Promise<void> {
    await this.send(RequestType.ENABLE_ACKS, '', 2000, nothing);
    this.acksOn = true;
  }

  /**
   * 1024 ACK: marks these messages (1 to 1000 ids) delivered. Resolves with how many
   * were undelivered messages to you; others count 0 and are not an error.
   */
  ack(messageIds: readonly number[]): Promise<number> {
    if (messageIds.length < 1 || messageIds.length > MAX_ACK_IDS) {
      throw new RangeError(`ack takes 1 to ${MAX_ACK_IDS} message ids, got ${messageIds.length}`);
    }
    return this.send(RequestType.ACK, messageIds.join('|'), 2000, asCount);
  }

  // History and read state (PROTOCOL §9).

  /**
   * 1025 GET_HISTORY → 2015: a page of a conversation with a user (`direct`) or a group
   * you are in (`group`; only what was sent since you joined), newest first. Page back
   * with `beforeMessageId`: the smallest id of the page before; an empty page is the
   * start. ChatError 404 for an unknown user, or a group you are not in.
   */
  getHistory(kind: ConversationKind, peerId: number, options: HistoryOptions = {}): Promise<HistoryMessage[]> {
    const limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
      throw new RangeError(`limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}, got ${limit}`);
    }
    const payload = `${kindCode(kind)}|${peerId}|${options.beforeMessageId ?? 0}|${limit}`;
    return this.send(RequestType.GET_HISTORY, payload, ServerFrameType.HISTORY_DATA, asHistory);
  }

  /**
   * 1026 MARK_READ: marks read every message sent to you in this conversation with an
   * id up to `upToMessageId` (default: all of them). Resolves with how many changed.
   * The senders of the direct messages that changed get a `read` event.
   */
  markRead(kind: ConversationKind, peerId: number, upToMessageId: number = ALL_MESSAGES): Promise<number> {
    return this.send(RequestType.MARK_READ, `${kindCode(kind)}|${peerId}|${upToMessageId}`, 2000, asCount);
  }

  /**
   * 1027 GET_CONVERSATIONS → 2017: your conversations (direct and group) with their
   * latest message and your unread count, newest activity first, at most 100; page on
   * with `beforeLastMessageId` until a page comes back empty.
   */
  getConversations(options: ConversationListOptions = {}): Promise<ConversationSummary[]> {
    const payload = options.beforeLastMessageId === undefined ? '' : String(options.beforeLastMessageId);
    return this.send(RequestType.GET_CONVERSATIONS, payload, ServerFrameType.CONVERSATIONS_DATA, asConversations);
  }

  // Blocking, privacy and reports (PROTOCOL §10). A refusal to message rejects with
  // ChatError 403 `Cannot message this user`, for a block either way or the receiver's privacy alike.

  /**
   * 1028 BLOCK_USER: from now on neither of you can send the other a direct message or
   * a friend request, nor sees the other's presence; your friendship and any pending
   * request between you end. The blocked user is not told. Blocking again changes
   * nothing. ChatError 404 for an unknown user, 400 for yourself.
   */
  blockUser(userId: number): Promise<void> {
    return this.send(RequestType.BLOCK_USER, String(userId), 2000, nothing);
  }

  /** 1029 UNBLOCK_USER: lifts your block (what it ended stays ended). ChatError 404 when you have not blocked them. */
  unblockUser(userId: number): Promise<void> {
    return this.send(RequestType.UNBLOCK_USER, String(userId), 2000, nothing);
  }

  /** 1030 GET_BLOCKED → 2018: the users you blocked, by username ignoring case. */
  getBlocked(): Promise<BlockedUser[]> {
    return this.send(RequestType.GET_BLOCKED, '', ServerFrameType.BLOCKED_LIST_DATA, asBlocked);
  }

  /**
   * 1031 SET_PRIVACY: `friends` refuses direct messages from anyone who is not your
   * friend (they get the same 403 as for a block); `everyone` is the default. A RangeError
   * for any other value, before sending.
   */
  setPrivacy(privacy: Privacy): Promise<void> {
    return this.send(RequestType.SET_PRIVACY, privacyWord(privacy), 2000, nothing);
  }

  /**
   * 1032 REPORT_USER: a report for the server's operator; the reported user is not told.
   * `reason` is 1 to 1000 bytes of UTF-8 (a RangeError otherwise, before sending).
   * ChatError 404 for an unknown user, 400 for yourself or a reason of only whitespace,
   * 429 after 20 reports in 24 hours.
   */
  reportUser(userId: number, reason: string): Promise<void> {
    return this.send(RequestType.REPORT_USER, `${userId}|${escapeField(checkedReason(reason))}`, 2000, nothing);
  }

  /**
   * Closes gracefully: new requests reject at once, requests already sent still get
   * their replies (or time out), then the socket is ended. In reliable mode waiting
   * acknowledgements are sent first, and reconnecting stops. Resolves once closed.
   */
  close(): Promise<void> {
    if (!this.stopping) {
      this.reliableState?.acks.flush();
      this.stop(undefined);
      if (this.connection === null) this.finish(undefined);
      else this.connection.close();
    }
    return this.closed.then(nothing);
  }

  /** Closes at once: every pending request rejects with a ConnectionClosedError. */
  destroy(): void {
    if (this.finished) return;
    this.stop(undefined);
    if (this.connection === null) this.finish(undefined);
    else this.connection.destroy(new ConnectionClosedError('connection destroyed by the client'));
  }

  private makeReliableState(settings: ReliableSettings): ReliableState {
    return {
      settings,
      acks: new AckBatcher(settings.ackBatchSize, settings.ackDelayMs, this.sendAcks),
      seen: new RecentIds(settings.rememberedMessageIds),
    };
  }

  private get reliable(): ReliableSettings | null {
    return this.reliableState?.settings ?? null;
  }

  private get acks(): AckBatcher | null {
    return this.reliableState?.acks ?? null;
  }

  private send<T>(command: number, payload: string, replyType: number, decode: (payload: string) => T): Promise<T> {
    if (this.stopping || this.connection === null) {
      const why = this.stopping ? 'connection closed' : 'not connected (reconnecting)';
      return Promise.reject(new ConnectionClosedError(why, { cause: this.lastFailure }));
    }
    return this.connection.send(command, payload, replyType, decode);
  }

  /** Runs a new connection on `channel`; frames and the close of an older one are ignored from now on. */
  private attach(channel: ClientChannel): void {
    const connection: Connection = new Connection(channel, this.settings, {
      push: (type, payload) => {
        if (connection === this.connection) this.handlePush(type, payload);
      },
      unexpected: (frame) => {
        if (connection === this.connection) this.deliver('unexpectedFrame', frame);
      },
      closed: (error) => {
        if (connection === this.connection) this.connectionClosed(error);
      },
    });
    this.connection = connection;
  }

  /**
   * LOGIN or RESUME, then in reliable mode the token and acks. `saved`: the token RESUME
   * used, when known. `onResumable` runs once the session is resumable, before acks are
   * enabled (and so before the messages that brings).
   */
  private async authenticate(
    command: number,
    payload: string,
    saved: SavedSession | null,
    onResumable?: (user: UserIdentity) => void,
  ): Promise<UserIdentity> {
    const user = await this.send(command, payload, 2000, asUserIdentity);
    this.session = user;
    if (this.reliable !== null && (await this.keepToken(user, saved))) {
      onResumable?.(user);
      await this.enableAcks().catch(unlessChatError);
    }
    return user;
  }

  private resumeWith(saved: SavedSession, onResumable?: (user: UserIdentity) => void): Promise<UserIdentity> {
    return this.authenticate(RequestType.RESUME, `${escapeField(saved.username)}|${escapeField(saved.token)}`, saved, onResumable);
  }

  /**
   * Makes the session resumable: saves a fresh token unless `saved` is good for a while
   * yet. False when the server lacks §8 or refuses it (a ChatError): the session works
   * on, neither resumable nor acknowledged.
   */
  private async keepToken(user: UserIdentity, saved: SavedSession | null): Promise<boolean> {
    if (needsFreshToken(saved, Date.now())) {
      let fresh: SessionToken;
      try {
        fresh = await this.getSessionToken();
      } catch (error) {
        unlessChatError(error);
        return false;
      }
      await this.reliable!.saveToken({ username: user.username, token: fresh.token, expiresAt: fresh.expiresAt });
    }
    this.resumable = true;
    return true;
  }

  /** A RESUME refused for good: the token is dead, forget it. Other failures keep it. */
  private async forgetRefusedToken(error: unknown): Promise<void> {
    if (!isRefusal(error)) return;
    this.resumable = false;
    // The refusal is what the application needs to hear; a failing store would only hide it.
    await this.reliable!.saveToken(null).catch(nothing);
  }

  private connectionClosed(error: Error | undefined): void {
    this.connection = null;
    this.session = null;
    this.acksOn = false;
    this.acks?.discard(); // the server sends those messages again; they are dropped as duplicates
    if (error !== undefined) this.lastFailure = error;
    if (this.stopping) {
      this.finish(this.stopError ?? error);
    } else if (this.resumable && error !== undefined) {
      if (!this.reconnecting) {
        this.reconnecting = true;
        this.reconnectAttempt = 0;
        this.deliver('disconnected', error);
      }
      this.scheduleReconnect();
    } else {
      this.finish(error);
    }
  }

  private scheduleReconnect(): void {
    const attempt = ++this.reconnectAttempt;
    const delayMs = reconnectDelay(attempt, this.reliable!);
    this.deliver('reconnecting', { attempt, delayMs });
    if (this.stopping) return; // a listener closed the client
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delayMs);
  }

  /** One attempt: load the token, connect, RESUME. Failing, the next attempt is scheduled, or the client gives up. */
  private async reconnect(): Promise<void> {
    this.reconnectTimer = null;
    let saved: SavedSession | null;
    try {
      saved = await this.reliable!.loadToken();
    } catch (error) {
      this.giveUp(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.stopping) return;
    if (saved === null) {
      this.giveUp(new ConnectionClosedError('no saved session to resume', { cause: this.lastFailure }));
      return;
    }
    let channel: ClientChannel;
    try {
      channel = await openChannel(this.settings);
    } catch (error) {
      if (this.stopping) return;
      if (error instanceof Error) this.lastFailure = error;
      this.scheduleReconnect();
      return;
    }
    if (this.stopping) {
      channel.destroy();
      return;
    }
    this.attach(channel);
    const connection = this.connection!;
    try {
      await this.resumeWith(saved, (user) => {
        this.reconnecting = false;
        this.deliver('reconnected', user);
      });
    } catch (error) {
      if (this.stopping) return;
      await this.forgetRefusedToken(error);
      if (isRefusal(error)) this.giveUp(error);
      // Anything else (429, 500, the connection dropping): closing this connection schedules the next attempt.
      else connection.fail(new ConnectionClosedError('could not resume the session', { cause: error }));
    }
  }

  /** Stops reconnecting for good: `reconnectFailed`, then `close` with `error`. */
  private giveUp(error: Error): void {
    if (this.stopping) return;
    this.resumable = false;
    this.stop(error);
    this.deliver('reconnectFailed', error);
    if (this.connection === null) this.finish(error);
    else this.connection.destroy(new ConnectionClosedError('connection closed', { cause: error }));
  }

  private stop(error: Error | undefined): void {
    this.stopping = true;
    this.stopError = error;
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
  }

  private finish(error: Error | undefined): void {
    if (this.finished) return;
    this.stopping = true;
    this.finished = true;
    this.reconnecting = false;
    this.resolveClosed(error);
    this.deliver('close', error);
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
        case ServerFrameType.MESSAGE: {
          const message = directMessageWithId(splitFields(payload));
          this.receiveAcked(message.messageId!, () => this.deliver('message', message));
          return;
        }
        case ServerFrameType.GROUP_MESSAGE: {
          const message = groupMessageWithId(splitFields(payload));
          this.receiveAcked(message.messageId!, () => this.deliver('groupMessage', message));
          return;
        }
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
        case ServerFrameType.MESSAGES_READ:
          if (this.listenerCount('read') > 0) this.deliver('read', readReceipt(splitFields(payload)));
          return;
      }
    } catch (error) {
      // Only decoding throws here: deliver() catches what listeners throw.
      if (!(error instanceof ProtocolError)) throw error;
      this.deliver('unexpectedFrame', { type, payload, reason: 'malformed-push' });
    }
  }

  /**
   * A message with an id. Reliable mode emits it unless it is a duplicate, and
   * acknowledges it only after that (a duplicate is acknowledged again: the first ack
   * may have been lost). Without reliable mode acknowledging is the application's.
   */
  private receiveAcked(messageId: number, emit: () => void): void {
    const state = this.reliableState;
    if (state === null) {
      emit();
      return;
    }
    if (!state.seen.has(messageId)) {
      emit();
      state.seen.add(messageId);
    }
    state.acks.add(messageId);
  }

  /** Best effort: an ACK that fails leaves its messages undelivered, so the server sends them again. */
  private readonly sendAcks = (ids: number[]): void => {
    this.ack(ids).catch(nothing);
  };

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
}

function rethrowLater(error: unknown): void {
  soon(rethrow, error);
}

function rethrow(error: unknown): never {
  throw error;
}
