/**
 * The SDK for a web page (bundled by scripts/build-web.mjs): ChatClient over a WebSocket
 * (`ChatClient.connect({ url: 'ws://host/ws' })`), and reliable mode's tokens kept in
 * Web Storage. Nothing here needs Node.
 */
export { ALL_MESSAGES, ChatClient, type WebSocketClientOptions } from './chat-client';
export { ChatError, ConnectionClosedError, ProtocolError, RequestTimeoutError } from './client-errors';
export { webStorageSessions, type WebStorage } from './web-storage-sessions';
export type {
  DirectMessage,
  FriendRequest,
  FriendRequestAccepted,
  GroupMessage,
  MembershipChange,
  PresenceUpdate,
  ReconnectAttempt,
} from './events';
export type {
  BlockedUser,
  ConversationKind,
  Friend,
  GroupMember,
  GroupSummary,
  HistoryMessage,
  Privacy,
  UserIdentity,
  UserStatus,
} from './results';
