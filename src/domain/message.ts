import type { GroupId, MessageId, Timestamp, UserId } from './ids';

export interface DirectMessage {
  readonly id: MessageId;
  readonly senderId: UserId;
  readonly receiverId: UserId;
  readonly content: string;
  readonly sentAt: Timestamp;
}

/** A stored direct message with its sender's name, as handed to its receiver. */
export interface ReceivedDirectMessage extends DirectMessage {
  readonly senderUsername: string;
}

export interface GroupMessage {
  readonly id: MessageId;
  readonly groupId: GroupId;
  readonly senderId: UserId;
  readonly content: string;
  readonly sentAt: Timestamp;
}

/** A stored group message with its group's and sender's names, as handed to one member. */
export interface ReceivedGroupMessage extends GroupMessage {
  readonly groupName: string;
  readonly senderUsername: string;
}
