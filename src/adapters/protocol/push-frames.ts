import type { MessageEvent, PushEvent } from '../../application';
import { messageKey } from '../../domain';
import { encodeFrame } from './frame-encoder';
import { joinFields } from './fields';
import { ServerMessage } from './message-types';

/**
 * Frames already encoded, by event: a group message goes to every online member as
 * the same event object, and is encoded once for all of them. Nothing writes into a
 * frame once built, so every socket can send the same bytes.
 */
const encoded = new WeakMap<PushEvent, Buffer>();

/** The frame a push event travels in, encoded once per event. */
export function pushFrame(event: PushEvent): Buffer {
  let frame = encoded.get(event);
  if (frame === undefined) {
    frame = encodePush(event);
    encoded.set(event, frame);
  }
  return frame;
}

const encodedWithId = new WeakMap<MessageEvent, Buffer>();

/**
 * The frame a message travels in to a connection that acknowledges (2013 / 2014):
 * with its id first, encoded once per event.
 */
export function acknowledgedPushFrame(event: MessageEvent): Buffer {
  let frame = encodedWithId.get(event);
  if (frame === undefined) {
    frame =
      event.kind === 'direct-message'
        ? encodeFrame(
            ServerMessage.MESSAGE,
            joinFields([messageKey('direct', event.messageId), event.senderId, event.senderUsername, event.content, event.sentAt]),
          )
        : encodeFrame(
            ServerMessage.GROUP_MESSAGE,
            joinFields([
              messageKey('group', event.messageId),
              event.groupId,
              event.groupName,
              event.senderId,
              event.senderUsername,
              event.content,
              event.sentAt,
            ]),
          );
    encodedWithId.set(event, frame);
  }
  return frame;
}

function encodePush(event: PushEvent): Buffer {
  switch (event.kind) {
    case 'direct-message':
      return encodeFrame(
        ServerMessage.MESSAGE_RECEIVED,
        joinFields([event.senderId, event.senderUsername, event.content, event.sentAt]),
      );
    case 'group-message':
      return encodeFrame(
        ServerMessage.GROUP_MESSAGE_RECEIVED,
        joinFields([event.groupId, event.groupName, event.senderId, event.senderUsername, event.content, event.sentAt]),
      );
    case 'friend-request':
      return encodeFrame(
        ServerMessage.FRIEND_REQUEST_RECEIVED,
        joinFields([event.senderId, event.senderUsername, event.sentAt, event.requestId]),
      );
    case 'presence':
      return encodeFrame(ServerMessage.USER_STATUS_UPDATE, joinFields([event.userId, event.username, event.status]));
    case 'friend-request-accepted':
      return encodeFrame(
        ServerMessage.FRIEND_REQUEST_ACCEPTED,
        joinFields([event.requestId, event.userId, event.username, event.acceptedAt]),
      );
    case 'membership-changed':
      return encodeFrame(
        ServerMessage.GROUP_MEMBERSHIP_CHANGED,
        joinFields([event.groupId, event.groupName, event.userId, event.username, event.change]),
      );
    case 'messages-read':
      return encodeFrame(
        ServerMessage.MESSAGES_READ,
        joinFields([event.readerId, event.readerUsername, event.upToMessageKey, event.readAt]),
      );
  }
}
