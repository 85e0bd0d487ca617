/**
 * The chat client: a typed SDK for PROTOCOL.md (`ChatClient`) and the terminal client
 * built on it (`runTerminalClient`).
 */
export { ChatClient, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_CLIENT_MAX_PAYLOAD, type ChatClientOptions } from './chat-client';
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
  ReconnectAttempt,
  UnexpectedFrame,
} from './events';
export type {
  CreatedGroup,
  Friend,
  GroupMember,
  GroupRole,
  GroupSummary,
  RegisteredUser,
  SessionToken,
  UserIdentity,
  UserStatus,
} from './results';
export { RequestType, ServerFrameType } from './wire-types';
export { runTerminalClient, TerminalExit, type TerminalClientOptions } from './terminal/terminal-client';
