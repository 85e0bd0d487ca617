import {
  messageKey,
  type ConversationSummary,
  type HistoryMessage,
  type MessageKind,
  type ReceivedDirectMessage,
  type ReceivedGroupMessage,
  type UserRef,
} from '../../domain';
import type { ChatUseCases, StartedSession } from '../../application';
import { encodeFrame } from './frame-encoder';
import { escapeField, joinFields, splitFieldsWithFreeText } from './fields';
import { Command, ServerMessage } from './message-types';
import { badRequest, errorReply, response } from './replies';

/** What a command handler may know of and do to its connection. */
export interface CommandContext {
  readonly connectionId: string;
  readonly remoteAddress: string | undefined;
  readonly maxPayload: number;
  /** The logged-in user and session, or null. */
  readonly session: Session | null;
  /** Whether failed logins from this connection's address reached their limit. */
  readonly loginAddressBlocked: boolean | Promise<boolean>;
  /** Called by LOGIN, RESUME and LOGOUT. */
  setSession(session: Session | null): void;
  /** ENABLE_ACKS: messages go out as 2013/2014 and count as delivered once acknowledged. */
  enableAcks(): void;
  /** ACK: the client has these messages (ids as on the wire). */
  acknowledged(messageKeys: readonly number[]): void;
}

export interface Session {
  readonly user: UserRef;
  readonly sessionId: number;
  /** Session tokens this connection logged in with or was given: LOGOUT revokes them. */
  readonly tokenIds: number[];
}

/** Ids one ACK may carry. */
const MAX_ACK_IDS = 1000;

/** The frames a command answers with: its reply first, then any frames that must follow it. */
export type Frames = readonly Buffer[];

/**
 * A reply whose data is handed over only once written (1014 / 1018): `confirm` is
 * called when the frame's write has completed, and not at all if it never does.
 */
export interface ConfirmedReply {
  readonly frame: Buffer;
  /** Messages the frame hands over. */
  readonly count: number;
  confirm(): Promise<void>;
}

/** What a command answers with. */
export type Reply = Frames | ConfirmedReply;

interface CommandHandler {
  readonly requiresLogin: boolean;
  handle(context: CommandContext, payload: string): Promise<Reply>;
}

const ID = /^[1-9][0-9]{0,15}$/;

/** A positive decimal id without sign or leading zeros, at most 2^53−1; null otherwise. */
export function parseId(text: string): number | null {
  if (!ID.test(text)) return null;
  const id = Number(text);
  return id <= Number.MAX_SAFE_INTEGER ? id : null;
}

/** Two ids, `a|b`, or null. */
function parseIdPair(payload: string): [number, number] | null {
  const fields = splitFieldsWithFreeText(payload, 2);
  if (!fields) return null;
  const a = parseId(fields[0]!);
  const b = parseId(fields[1]!);
  return a === null || b === null ? null : [a, b];
}

/** An id followed by free text (`id|content`); the text takes any surplus fields. */
function parseIdAndText(payload: string): [number, string] | null {
  const fields = splitFieldsWithFreeText(payload, 2);
  const id = fields ? parseId(fields[0]!) : null;
  return fields && id !== null ? [id, fields[1]!] : null;
}

/** The payload as one field (a username, an id, a group name): unescaped, surplus pipes kept. */
function singleField(payload: string): string {
  return splitFieldsWithFreeText(payload, 1)![0]!;
}

const ok = (...fields: (string | number)[]): Frames => [response(200, ...fields)];

/** `username|secret` as LOGIN and RESUME take it; null without a `|` (a 400). */
function credentialFields(payload: string): [string, string] | null {
  const fields = payload.includes('|') ? splitFieldsWithFreeText(payload, 2) : null;
  return fields ? [fields[0]!, fields[1]!] : null;
}

/** A successful LOGIN or RESUME: the session starts, then the reply and the pending friend requests. */
function loggedInReply(context: CommandContext, started: StartedSession, tokenIds: number[]): Frames {
  const { user, sessionId, pendingRequests } = started;
  context.setSession({ user, sessionId, tokenIds });
  return [
    response(200, user.id, user.username),
    ...pendingRequests.map((r) =>
      encodeFrame(ServerMessage.FRIEND_REQUEST_RECEIVED, joinFields([r.senderId, r.senderUsername, r.createdAt, r.id])),
    ),
  ];
}

/** 1 to 1000 ids separated by `|`; null if any is not an id. */
function parseIdList(payload: string): number[] | null {
  const fields = payload.split('|');
  if (fields.length > MAX_ACK_IDS) return null;
  const ids: number[] = [];
  for (const field of fields) {
    const id = parseId(field);
    if (id === null) return null;
    ids.push(id);
  }
  return ids;
}

type Field = string | number;

/** Bytes a field takes on the wire after escaping. */
function fieldBytes(field: Field): number {
  return typeof field === 'number' ? String(field).length : Buffer.byteLength(escapeField(field));
}

/** A list reply: the count, then each record's fields, all in one flat payload. */
function listFrame<R>(type: number, records: readonly R[], fieldsOf: (record: R) => readonly Field[]): Buffer {
  const fields: Field[] = [records.length];
  for (const record of records) fields.push(...fieldsOf(record));
  return encodeFrame(type, joinFields(fields));
}

/** How many of a batch fit in one list reply within the payload limit (the limit binds the server too). */
function fitWithin<R>(maxPayload: number, fieldsOf: (record: R) => readonly Field[]): (batch: readonly R[]) => number {
  return (batch) => {
    let bytes = String(batch.length).length;
    for (let i = 0; i < batch.length; i++) {
      for (const field of fieldsOf(batch[i]!)) bytes += 1 + fieldBytes(field);
      if (bytes > maxPayload) return i;
    }
    return batch.length;
  };
}

const KINDS: Readonly<Record<string, MessageKind>> = { d: 'direct', g: 'group' };
const kindField = (kind: MessageKind): string => (kind === 'direct' ? 'd' : 'g');
const LIMIT = /^[1-9][0-9]{0,2}$/;

/** `kind|peer_id|…` of §9: the conversation and the fields after it; null if malformed. */
function parseConversationFields(payload: string, count: number): { kind: MessageKind; peerId: number; rest: string[] } | null {
  const fields = payload.split('|');
  if (fields.length !== count) return null;
  const kind = Object.hasOwn(KINDS, fields[0]!) ? KINDS[fields[0]!]! : null;
  const peerId = parseId(fields[1]!);
  return kind && peerId !== null ? { kind, peerId, rest: fields.slice(2) } : null;
}

/** GET_HISTORY's `kind|peer_id|before_message_id|limit`, before 0 meaning the newest; null if malformed. */
function parseHistoryRequest(payload: string): { kind: MessageKind; peerId: number; before: number; limit: number } | null {
  const parsed = parseConversationFields(payload, 4);
  if (!parsed) return null;
  const [beforeField, limitField] = parsed.rest as [string, string];
  const before = beforeField === '0' ? 0 : parseId(beforeField);
  // The range 1–100 is the use-case's rule; here only the form of a number.
  if (before === null || !LIMIT.test(limitField)) return null;
  return { kind: parsed.kind, peerId: parsed.peerId, before, limit: Number(limitField) };
}

const historyFields = (m: HistoryMessage): Field[] => [
  messageKey(m.kind, m.id),
  m.senderId,
  m.senderUsername,
  m.content,
  m.sentAt,
  m.read ? 1 : 0,
];
const conversationFields = (c: ConversationSummary): Field[] => [
  kindField(c.kind),
  c.peerId,
  c.name,
  messageKey(c.kind, c.lastMessageId),
  c.lastSentAt,
  c.unreadCount,
];

/** The first records of a list that fit in one reply within the payload limit. */
function fitting<R>(maxPayload: number, records: readonly R[], fieldsOf: (record: R) => readonly Field[]): readonly R[] {
  const count = fitWithin(maxPayload, fieldsOf)(records);
  return count === records.length ? records : records.slice(0, count);
}

const offlineDirectFields = (m: ReceivedDirectMessage): Field[] => [m.senderId, m.senderUsername, m.content, m.sentAt];
const offlineGroupFields = (m: ReceivedGroupMessage): Field[] => [
  m.groupId,
  m.groupName,
  m.senderId,
  m.senderUsername,
  m.content,
  m.sentAt,
];

/**
 * TYPE → how to parse the payload, which use-case to call and how to encode its outcome.
 * No business rule lives here.
 */
export function buildCommandTable(useCases: ChatUseCases): ReadonlyMap<number, CommandHandler> {
  const loggedIn = (handle: (context: CommandContext, user: UserRef, payload: string) => Promise<Reply>) => ({
    requiresLogin: true,
    handle: (context: CommandContext, payload: string) => handle(context, context.session!.user, payload),
  });

  const table: [number, CommandHandler][] = [
    [
      Command.REGISTER,
      {
        requiresLogin: false,
        async handle(_context, payload) {
          const fields = payload.includes('|') ? splitFieldsWithFreeText(payload, 2) : null;
          if (!fields) return [badRequest('Expected username|password')];
          const result = await useCases.registerUser.execute({ username: fields[0]!, password: fields[1]! });
          return result.ok ? ok(result.value.userId) : [errorReply(result.error)];
        },
      },
    ],
    [
      Command.LOGIN,
      {
        requiresLogin: false,
        async handle(context, payload) {
          const fields = credentialFields(payload);
          if (!fields) return [badRequest('Expected username|password')];
          const result = await useCases.logIn.execute({
            connectionId: context.connectionId,
            currentUserId: context.session?.user.id ?? null,
            username: fields[0],
            password: fields[1],
            remoteAddress: context.remoteAddress,
          });
          return result.ok ? loggedInReply(context, result.value, []) : [errorReply(result.error)];
        },
      },
    ],
    [
      Command.LOGOUT,
      loggedIn(async (context, user) => {
        const { sessionId, tokenIds } = context.session!;
        context.setSession(null);
        await useCases.endSession.execute({
          user,
          connectionId: context.connectionId,
          sessionId,
          reason: 'logout',
          revokeTokenIds: tokenIds,
        });
        return ok('Logged out successfully');
      }),
    ],
    [
      Command.SEND_MESSAGE,
      loggedIn(async (_context, user, payload) => {
        const parsed = parseIdAndText(payload);
        if (!parsed) return [badRequest('Expected receiver_id|content')];
        const result = await useCases.sendDirectMessage.execute({
          sender: user,
          receiverId: parsed[0],
          content: parsed[1],
        });
        return result.ok ? ok('Message sent') : [errorReply(result.error)];
      }),
    ],
    [
      Command.SEND_GROUP_MESSAGE,
      loggedIn(async (_context, user, payload) => {
        const parsed = parseIdAndText(payload);
        if (!parsed) return [badRequest('Expected group_id|content')];
        const result = await useCases.sendGroupMessage.execute({ sender: user, groupId: parsed[0], content: parsed[1] });
        return result.ok ? ok('Message sent') : [errorReply(result.error)];
      }),
    ],
    [
      Command.SEND_FRIEND_REQUEST,
      loggedIn(async (_context, user, payload) => {
        const result = await useCases.sendFriendRequest.execute({ sender: user, targetUsername: singleField(payload) });
        return result.ok ? ok('Request sent') : [errorReply(result.error)];
      }),
    ],
    [
      Command.ACCEPT_FRIEND_REQUEST,
      loggedIn(async (_context, user, payload) => {
        const requestId = parseId(singleField(payload));
        if (requestId === null) return [badRequest('Invalid request id')];
        const result = await useCases.answerFriendRequest.execute({ user, requestId, answer: 'accept' });
        return result.ok ? ok('Friend added') : [errorReply(result.error)];
      }),
    ],
    [
      Command.REJECT_FRIEND_REQUEST,
      loggedIn(async (_context, user, payload) => {
        const requestId = parseId(singleField(payload));
        if (requestId === null) return [badRequest('Invalid request id')];
        const result = await useCases.answerFriendRequest.execute({ user, requestId, answer: 'reject' });
        return result.ok ? ok('Request rejected') : [errorReply(result.error)];
      }),
    ],
    [
      Command.UNFRIEND,
      loggedIn(async (_context, user, payload) => {
        const friendId = parseId(singleField(payload));
        if (friendId === null) return [badRequest('Invalid user id')];
        const result = await useCases.unfriend.execute({ userId: user.id, friendId });
        return result.ok ? ok('Unfriended') : [errorReply(result.error)];
      }),
    ],
    [
      Command.GET_FRIEND_LIST,
      loggedIn(async (_context, user) => {
        const friends = await useCases.getFriendList.execute({ userId: user.id });
        return [listFrame(ServerMessage.FRIEND_LIST_DATA, friends, (f) => [f.id, f.username, f.status])];
      }),
    ],
    [
      Command.CREATE_GROUP,
      loggedIn(async (_context, user, payload) => {
        const result = await useCases.createGroup.execute({ userId: user.id, name: singleField(payload) });
        return result.ok ? [response(201, result.value.groupId, result.value.name)] : [errorReply(result.error)];
      }),
    ],
    [
      Command.ADD_TO_GROUP,
      loggedIn(async (_context, user, payload) => {
        const ids = parseIdPair(payload);
        if (!ids) return [badRequest('Expected group_id|user_id')];
        const result = await useCases.addToGroup.execute({ actorId: user.id, groupId: ids[0], userId: ids[1] });
        return result.ok ? ok('User added') : [errorReply(result.error)];
      }),
    ],
    [
      Command.REMOVE_FROM_GROUP,
      loggedIn(async (_context, user, payload) => {
        const ids = parseIdPair(payload);
        if (!ids) return [badRequest('Expected group_id|user_id')];
        const result = await useCases.removeFromGroup.execute({ actorId: user.id, groupId: ids[0], userId: ids[1] });
        return result.ok ? ok('User removed') : [errorReply(result.error)];
      }),
    ],
    [
      Command.LEAVE_GROUP,
      loggedIn(async (_context, user, payload) => {
        const groupId = parseId(singleField(payload));
        if (groupId === null) return [badRequest('Invalid group id')];
        const result = await useCases.leaveGroup.execute({ user, groupId });
        return result.ok ? ok('Left group') : [errorReply(result.error)];
      }),
    ],
    [
      Command.GET_OFFLINE_MESSAGES,
      loggedIn(async (context, user) => {
        const batch = await useCases.getOfflineMessages.take({
          userId: user.id,
          fit: fitWithin(context.maxPayload, offlineDirectFields),
        });
        return {
          frame: listFrame(ServerMessage.OFFLINE_MESSAGES_DATA, batch.messages, offlineDirectFields),
          count: batch.messages.length,
          confirm: batch.confirm,
        };
      }),
    ],
    [
      Command.GET_FRIEND_REQUESTS,
      loggedIn(async (_context, user) => {
        const requests = await useCases.getFriendRequests.execute({ userId: user.id });
        return [
          listFrame(ServerMessage.FRIEND_REQUESTS_DATA, requests, (r) => [r.id, r.senderId, r.senderUsername, r.createdAt]),
        ];
      }),
    ],
    [
      Command.GET_GROUPS,
      loggedIn(async (_context, user) => {
        const groups = await useCases.getGroups.execute({ userId: user.id });
        return [listFrame(ServerMessage.GROUP_LIST_DATA, groups, (g) => [g.groupId, g.groupName, g.role, g.memberCount])];
      }),
    ],
    [
      Command.GET_GROUP_MEMBERS,
      loggedIn(async (_context, user, payload) => {
        const groupId = parseId(singleField(payload));
        if (groupId === null) return [badRequest('Invalid group id')];
        const result = await useCases.getGroupMembers.execute({ userId: user.id, groupId });
        if (!result.ok) return [errorReply(result.error)];
        return [listFrame(ServerMessage.GROUP_MEMBERS_DATA, result.value, (m) => [m.userId, m.username, m.role, m.status])];
      }),
    ],
    [
      Command.GET_OFFLINE_GROUP_MESSAGES,
      loggedIn(async (context, user) => {
        const batch = await useCases.getOfflineGroupMessages.take({
          userId: user.id,
          fit: fitWithin(context.maxPayload, offlineGroupFields),
        });
        return {
          frame: listFrame(ServerMessage.OFFLINE_GROUP_MESSAGES_DATA, batch.messages, offlineGroupFields),
          count: batch.messages.length,
          confirm: batch.confirm,
        };
      }),
    ],
    [Command.PING, { requiresLogin: false, handle: async () => ok('PONG') }],
    [
      Command.FIND_USER,
      loggedIn(async (_context, _user, payload) => {
        const result = await useCases.findUser.execute({ username: singleField(payload) });
        return result.ok ? ok(result.value.id, result.value.username) : [errorReply(result.error)];
      }),
    ],
    [
      Command.SESSION_TOKEN,
      loggedIn(async (context, user) => {
        const issued = await useCases.issueSessionToken.execute({ userId: user.id });
        context.session!.tokenIds.push(issued.tokenId);
        return ok(issued.token, issued.expiresAt);
      }),
    ],
    [
      Command.RESUME,
      {
        requiresLogin: false,
        async handle(context, payload) {
          const fields = credentialFields(payload);
          if (!fields) return [badRequest('Expected username|token')];
          const result = await useCases.resumeSession.execute({
            connectionId: context.connectionId,
            currentUserId: context.session?.user.id ?? null,
            username: fields[0],
            token: fields[1],
            remoteAddress: context.remoteAddress,
            addressBlocked: await context.loginAddressBlocked,
          });
          return result.ok ? loggedInReply(context, result.value, [result.value.tokenId]) : [errorReply(result.error)];
        },
      },
    ],
    [
      Command.ENABLE_ACKS,
      loggedIn(async (context) => {
        context.enableAcks();
        return ok('Acks enabled');
      }),
    ],
    [
      Command.ACK,
      loggedIn(async (context, user, payload) => {
        const keys = parseIdList(payload);
        if (!keys) return [badRequest('Expected 1 to 1000 message ids')];
        const changed = await useCases.acknowledgeMessages.execute({ userId: user.id, messageKeys: keys });
        context.acknowledged(keys);
        return ok(changed);
      }),
    ],
    [
      Command.GET_HISTORY,
      loggedIn(async (context, user, payload) => {
        const request = parseHistoryRequest(payload);
        if (!request) return [badRequest('Expected d|user_id or g|group_id, then before_message_id|limit')];
        const result = await useCases.getHistory.execute({
          userId: user.id,
          kind: request.kind,
          peerId: request.peerId,
          beforeMessageKey: request.before,
          limit: request.limit,
        });
        if (!result.ok) return [errorReply(result.error)];
        // A page too big for one frame is cut short: the client pages on from its oldest message.
        const page = fitting(context.maxPayload, result.value, historyFields);
        return [listFrame(ServerMessage.HISTORY_DATA, page, historyFields)];
      }),
    ],
    [
      Command.MARK_READ,
      loggedIn(async (_context, user, payload) => {
        const parsed = parseConversationFields(payload, 3);
        const upTo = parsed ? parseId(parsed.rest[0]!) : null;
        if (!parsed || upTo === null) return [badRequest('Expected d|user_id or g|group_id, then up_to_message_id')];
        const result = await useCases.markRead.execute({
          reader: user,
          kind: parsed.kind,
          peerId: parsed.peerId,
          upToMessageKey: upTo,
        });
        return result.ok ? ok(result.value) : [errorReply(result.error)];
      }),
    ],
    [
      Command.GET_CONVERSATIONS,
      loggedIn(async (context, user, payload) => {
        const before = payload === '' ? null : parseId(payload);
        if (before === null && payload !== '') return [badRequest('Expected nothing or before_last_message_id')];
        const conversations = await useCases.getConversations.execute({ userId: user.id, beforeLastMessageKey: before });
        const page = fitting(context.maxPayload, conversations, conversationFields);
        return [listFrame(ServerMessage.CONVERSATIONS_DATA, page, conversationFields)];
      }),
    ],
    [
      Command.BLOCK_USER,
      loggedIn(async (_context, user, payload) => {
        const blockedId = parseId(singleField(payload));
        if (blockedId === null) return [badRequest('Invalid user id')];
        const result = await useCases.blockUser.execute({ userId: user.id, blockedId });
        return result.ok ? ok('Blocked') : [errorReply(result.error)];
      }),
    ],
    [
      Command.UNBLOCK_USER,
      loggedIn(async (_context, user, payload) => {
        const blockedId = parseId(singleField(payload));
        if (blockedId === null) return [badRequest('Invalid user id')];
        const result = await useCases.unblockUser.execute({ userId: user.id, blockedId });
        return result.ok ? ok('Unblocked') : [errorReply(result.error)];
      }),
    ],
    [
      Command.GET_BLOCKED,
      loggedIn(async (_context, user) => {
        const blocked = await useCases.getBlocked.execute({ userId: user.id });
        return [listFrame(ServerMessage.BLOCKED_LIST_DATA, blocked, (b) => [b.id, b.username])];
      }),
    ],
    [
      Command.SET_PRIVACY,
      loggedIn(async (_context, user, payload) => {
        const result = await useCases.setPrivacy.execute({ userId: user.id, privacy: singleField(payload) });
        return result.ok ? ok('Privacy updated') : [errorReply(result.error)];
      }),
    ],
    [
      Command.REPORT_USER,
      loggedIn(async (_context, user, payload) => {
        const parsed = parseIdAndText(payload);
        if (!parsed) return [badRequest('Expected user_id|reason')];
        const result = await useCases.reportUser.execute({ reporterId: user.id, reportedId: parsed[0], reason: parsed[1] });
        return result.ok ? ok('Reported') : [errorReply(result.error)];
      }),
    ],
  ];
  return new Map(table);
}
