import type { ReceivedDirectMessage, UserRef } from '../../domain';
import type { ChatUseCases } from '../../application';
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
  /** Called by LOGIN and LOGOUT. */
  setSession(session: Session | null): void;
}

export interface Session {
  readonly user: UserRef;
  readonly sessionId: number;
}

/** The frames a command answers with: its reply first, then any frames that must follow it. */
export type Frames = readonly Buffer[];

interface CommandHandler {
  readonly requiresLogin: boolean;
  handle(context: CommandContext, payload: string): Promise<Frames>;
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

/** How many of a batch of offline messages fit in one 2005 payload. */
function offlineBatchFit(maxPayload: number): (batch: readonly ReceivedDirectMessage[]) => number {
  return (batch) => {
    let bytes = String(batch.length).length;
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      bytes +=
        4 +
        String(m.senderId).length +
        Buffer.byteLength(escapeField(m.senderUsername)) +
        Buffer.byteLength(escapeField(m.content)) +
        String(m.sentAt).length;
      if (bytes > maxPayload) return i;
    }
    return batch.length;
  };
}

/**
 * TYPE → how to parse the payload, which use-case to call and how to encode its outcome.
 * No business rule lives here.
 */
export function buildCommandTable(useCases: ChatUseCases): ReadonlyMap<number, CommandHandler> {
  const loggedIn = (handle: (context: CommandContext, user: UserRef, payload: string) => Promise<Frames>) => ({
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
          const fields = payload.includes('|') ? splitFieldsWithFreeText(payload, 2) : null;
          if (!fields) return [badRequest('Expected username|password')];
          const result = await useCases.logIn.execute({
            connectionId: context.connectionId,
            currentUserId: context.session?.user.id ?? null,
            username: fields[0]!,
            password: fields[1]!,
            remoteAddress: context.remoteAddress,
          });
          if (!result.ok) return [errorReply(result.error)];
          const { user, sessionId, pendingRequests } = result.value;
          context.setSession({ user, sessionId });
          return [
            response(200, user.id, user.username),
            ...pendingRequests.map((r) =>
              encodeFrame(
                ServerMessage.FRIEND_REQUEST_RECEIVED,
                joinFields([r.senderId, r.senderUsername, r.createdAt, r.id]),
              ),
            ),
          ];
        },
      },
    ],
    [
      Command.LOGOUT,
      loggedIn(async (context, user) => {
        const sessionId = context.session!.sessionId;
        context.setSession(null);
        await useCases.endSession.execute({ user, connectionId: context.connectionId, sessionId, reason: 'logout' });
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
        const result = await useCases.answerFriendRequest.execute({ userId: user.id, requestId, answer: 'accept' });
        return result.ok ? ok('Friend added') : [errorReply(result.error)];
      }),
    ],
    [
      Command.REJECT_FRIEND_REQUEST,
      loggedIn(async (_context, user, payload) => {
        const requestId = parseId(singleField(payload));
        if (requestId === null) return [badRequest('Invalid request id')];
        const result = await useCases.answerFriendRequest.execute({ userId: user.id, requestId, answer: 'reject' });
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
        const fields: (string | number)[] = [friends.length];
        for (const f of friends) fields.push(f.id, f.username, f.status);
        return [encodeFrame(ServerMessage.FRIEND_LIST_DATA, joinFields(fields))];
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
        const result = await useCases.leaveGroup.execute({ userId: user.id, groupId });
        return result.ok ? ok('Left group') : [errorReply(result.error)];
      }),
    ],
    [
      Command.GET_OFFLINE_MESSAGES,
      loggedIn(async (context, user) => {
        const messages = await useCases.getOfflineMessages.execute({
          userId: user.id,
          fit: offlineBatchFit(context.maxPayload),
        });
        const fields: (string | number)[] = [messages.length];
        for (const m of messages) fields.push(m.senderId, m.senderUsername, m.content, m.sentAt);
        return [encodeFrame(ServerMessage.OFFLINE_MESSAGES_DATA, joinFields(fields))];
      }),
    ],
    [Command.PING, { requiresLogin: false, handle: async () => ok('PONG') }],
  ];
  return new Map(table);
}
