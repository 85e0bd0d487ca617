/**
 * Pure decoders from payload fields (already split and unescaped) to typed values.
 * Each throws a ProtocolError when the fields break PROTOCOL.md. Records are read at an
 * offset so list replies are decoded without slicing. Pushes and single-record replies
 * tolerate fields appended at the end (how the protocol extends); lists must match
 * their count exactly.
 */
import type {
  DirectMessage,
  FriendRequest,
  FriendRequestAccepted,
  GroupMessage,
  MembershipChange,
  MembershipEvent,
  PresenceUpdate,
  ReadReceipt,
} from './events';
import type {
  BlockedUser,
  ConversationKind,
  ConversationSummary,
  CreatedGroup,
  Friend,
  GroupMember,
  GroupRole,
  GroupSummary,
  HistoryMessage,
  RegisteredUser,
  SessionToken,
  UserIdentity,
  UserStatus,
} from './results';
import { ProtocolError } from './client-errors';

const ID = /^[1-9][0-9]{0,15}$/;
const NATURAL = /^(0|[1-9][0-9]{0,15})$/;

function field(fields: readonly string[], index: number): string {
  const value = fields[index];
  if (value === undefined) throw new ProtocolError(`missing field ${index + 1} in "${fields.join('|')}"`);
  return value;
}

/** A positive id (`^[1-9][0-9]{0,15}$`, at most 2^53−1). */
export function readId(fields: readonly string[], index: number): number {
  const text = field(fields, index);
  const value = Number(text);
  if (!ID.test(text) || value > Number.MAX_SAFE_INTEGER) throw new ProtocolError(`expected an id, got "${text}"`);
  return value;
}

/** A non-negative integer: a count or a timestamp. */
export function readNatural(fields: readonly string[], index: number): number {
  const text = field(fields, index);
  const value = Number(text);
  if (!NATURAL.test(text) || value > Number.MAX_SAFE_INTEGER) throw new ProtocolError(`expected a number, got "${text}"`);
  return value;
}

function readStatus(fields: readonly string[], index: number): UserStatus {
  const text = field(fields, index);
  if (text === 'online' || text === 'offline') return text;
  throw new ProtocolError(`expected online or offline, got "${text}"`);
}

function readRole(fields: readonly string[], index: number): GroupRole {
  const text = field(fields, index);
  if (text === 'admin' || text === 'member') return text;
  throw new ProtocolError(`expected admin or member, got "${text}"`);
}

function readMembershipEvent(fields: readonly string[], index: number): MembershipEvent {
  const text = field(fields, index);
  if (text === 'added' || text === 'removed' || text === 'left') return text;
  throw new ProtocolError(`expected added, removed or left, got "${text}"`);
}

function readFlag(fields: readonly string[], index: number): boolean {
  const text = field(fields, index);
  if (text === '1' || text === '0') return text === '1';
  throw new ProtocolError(`expected 1 or 0, got "${text}"`);
}

/** How a conversation's kind is written on the wire (PROTOCOL §9). */
export const CONVERSATION_KIND_CODE: Readonly<Record<ConversationKind, string>> = { direct: 'd', group: 'g' };

function readConversationKind(fields: readonly string[], index: number): ConversationKind {
  const text = field(fields, index);
  if (text === 'd') return 'direct';
  if (text === 'g') return 'group';
  throw new ProtocolError(`expected d or g, got "${text}"`);
}

/** A flat list (`count|fields…`): exactly `count` records of `width` fields each. */
export function decodeList<T>(
  fields: readonly string[],
  width: number,
  record: (fields: readonly string[], offset: number) => T,
): T[] {
  const count = readNatural(fields, 0);
  if (fields.length !== 1 + count * width) {
    throw new ProtocolError(`list of ${count} × ${width} fields has ${fields.length - 1} fields`);
  }
  const out = new Array<T>(count);
  for (let i = 0, offset = 1; i < count; i++, offset += width) out[i] = record(fields, offset);
  return out;
}

// Records, shared by pushes (offset 0) and list replies.

export function directMessageAt(f: readonly string[], o: number): DirectMessage {
  return { senderId: readId(f, o), senderUsername: field(f, o + 1), content: field(f, o + 2), timestamp: readNatural(f, o + 3) };
}

export function groupMessageAt(f: readonly string[], o: number): GroupMessage {
  return {
    groupId: readId(f, o),
    groupName: field(f, o + 1),
    senderId: readId(f, o + 2),
    senderUsername: field(f, o + 3),
    content: field(f, o + 4),
    timestamp: readNatural(f, o + 5),
  };
}

/** 2013 (PROTOCOL §8): `message_id|` then a 2001 record. */
export function directMessageWithId(f: readonly string[]): DirectMessage {
  return { messageId: readId(f, 0), ...directMessageAt(f, 1) };
}

/** 2014 (PROTOCOL §8): `message_id|` then a 2002 record. */
export function groupMessageWithId(f: readonly string[]): GroupMessage {
  return { messageId: readId(f, 0), ...groupMessageAt(f, 1) };
}

/** The 2003 push order: `sender_id|sender_username|timestamp|request_id`. */
export function friendRequestPush(f: readonly string[]): FriendRequest {
  return { requestId: readId(f, 3), senderId: readId(f, 0), senderUsername: field(f, 1), timestamp: readNatural(f, 2) };
}

/** The 2007 record order: `request_id|sender_id|sender_username|timestamp`. */
export function friendRequestRecordAt(f: readonly string[], o: number): FriendRequest {
  return { requestId: readId(f, o), senderId: readId(f, o + 1), senderUsername: field(f, o + 2), timestamp: readNatural(f, o + 3) };
}

export function presenceUpdate(f: readonly string[]): PresenceUpdate {
  return { userId: readId(f, 0), username: field(f, 1), status: readStatus(f, 2) };
}

export function friendRequestAccepted(f: readonly string[]): FriendRequestAccepted {
  return { requestId: readId(f, 0), userId: readId(f, 1), username: field(f, 2), timestamp: readNatural(f, 3) };
}

export function membershipChange(f: readonly string[]): MembershipChange {
  return {
    groupId: readId(f, 0),
    groupName: field(f, 1),
    userId: readId(f, 2),
    username: field(f, 3),
    event: readMembershipEvent(f, 4),
  };
}

export function friendAt(f: readonly string[], o: number): Friend {
  return { id: readId(f, o), username: field(f, o + 1), status: readStatus(f, o + 2) };
}

export function groupSummaryAt(f: readonly string[], o: number): GroupSummary {
  return { groupId: readId(f, o), name: field(f, o + 1), role: readRole(f, o + 2), memberCount: readNatural(f, o + 3) };
}

export function groupMemberAt(f: readonly string[], o: number): GroupMember {
  return { id: readId(f, o), username: field(f, o + 1), role: readRole(f, o + 2), status: readStatus(f, o + 3) };
}

/** The 2015 record (PROTOCOL §9): `message_id|sender_id|sender_username|content|timestamp|read`. */
export function historyMessageAt(f: readonly string[], o: number): HistoryMessage {
  return {
    messageId: readId(f, o),
    senderId: readId(f, o + 1),
    senderUsername: field(f, o + 2),
    content: field(f, o + 3),
    timestamp: readNatural(f, o + 4),
    read: readFlag(f, o + 5),
  };
}

/** The 2017 record (PROTOCOL §9): `kind|peer_id|name|last_message_id|last_timestamp|unread_count`. */
export function conversationSummaryAt(f: readonly string[], o: number): ConversationSummary {
  return {
    kind: readConversationKind(f, o),
    peerId: readId(f, o + 1),
    name: field(f, o + 2),
    lastMessageId: readId(f, o + 3),
    lastTimestamp: readNatural(f, o + 4),
    unreadCount: readNatural(f, o + 5),
  };
}

/** The 2018 record (PROTOCOL §10): `user_id|username`. */
export function blockedUserAt(f: readonly string[], o: number): BlockedUser {
  return { userId: readId(f, o), username: field(f, o + 1) };
}

/** The 2016 push (PROTOCOL §9): `reader_id|reader_username|up_to_message_id|timestamp`. */
export function readReceipt(f: readonly string[]): ReadReceipt {
  return { readerId: readId(f, 0), readerUsername: field(f, 1), upToMessageId: readId(f, 2), timestamp: readNatural(f, 3) };
}

// 2000 success replies: fields[0] is the status code.

export function registeredUser(f: readonly string[]): RegisteredUser {
  return { userId: readId(f, 1) };
}

/** LOGIN and FIND_USER: `200|user_id|username`. */
export function userIdentity(f: readonly string[]): UserIdentity {
  return { userId: readId(f, 1), username: field(f, 2) };
}

/** SESSION_TOKEN: `200|token|expires_at`. */
export function sessionToken(f: readonly string[]): SessionToken {
  const token = field(f, 1);
  if (token === '') throw new ProtocolError('empty session token');
  return { token, expiresAt: readNatural(f, 2) };
}

/** A count after the status, as ACK's `200|n`. */
export function countAfterStatus(f: readonly string[]): number {
  return readNatural(f, 1);
}

export function createdGroup(f: readonly string[]): CreatedGroup {
  return { groupId: readId(f, 1), name: field(f, 2) };
}

/**
 * The status code at the start of a 2000 payload: three digits, then `|` or the end.
 * Returns -1 when there is none.
 */
export function statusOf(payload: string): number {
  if (payload.length < 3 || (payload.length > 3 && payload.charCodeAt(3) !== 0x7c)) return -1;
  let status = 0;
  for (let i = 0; i < 3; i++) {
    const digit = payload.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    status = status * 10 + digit;
  }
  return status;
}
