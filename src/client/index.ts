/**
 * The chat client: a typed SDK for PROTOCOL.md (`ChatClient`) and the terminal client
 * built on it (`runTerminalClient`).
 */
export {
  ALL_MESSAGES,
  ChatClient,
  DEFAULT_CLIENT_MAX_PAYLOAD,
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_HISTORY_LIMIT,
  MAX_REPORT_REASON_BYTES,
  type ChatClientOptions,
  type CommonClientOptions,
  type ConnectOptions,
  type ConversationListOptions,
  type HistoryOptions,
  type WebSocketClientOptions,
} from './chat-client';
export type { WebSocketConstructor, WebSocketLike } from './client-channel';
export { webStorageSessions, type WebStorage } from './web-storage-sessions';
export { ChatError, ConnectionClosedError, ProtocolError, RequestTimeoutError } from './client-errors';
export type { ReliableOptions, SavedSession } from './reliable-mode';
export type {
  ChatClientEvents,
  DirectMessage,
  FriendRequest,
  FriendRequestAccepted,
  GroupMessage,
  MembershipChange,
  MembershipEvent,
  PresenceUpdate,
  ReadReceipt,
  ReconnectAttempt,
  UnexpectedFrame,
} from './events';
export type {
  BlockedUser,
  ConversationKind,
  ConversationSummary,
  CreatedGroup,
  Friend,
  GroupMember,
  GroupRole,
  GroupSummary,
  HistoryMessage,
  Privacy,
  RegisteredUser,
  SessionToken,
  UserIdentity,
  UserStatus,
} from './results';
export { RequestType, ServerFrameType } from './wire-types';
export { runTerminalClient, TerminalExit, type TerminalClientOptions } from './terminal/terminal-client';
