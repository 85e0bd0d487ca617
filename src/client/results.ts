/** What the ChatClient's requests resolve with. Ids are numbers, timestamps epoch milliseconds. */

export type UserStatus = 'online' | 'offline';
export type GroupRole = 'admin' | 'member';

/** REGISTER's reply. */
export interface RegisteredUser {
  readonly userId: number;
}

/** LOGIN's and FIND_USER's reply: the name as registered. */
export interface UserIdentity {
  readonly userId: number;
  readonly username: string;
}

/** One record of GET_FRIEND_LIST (2004), ordered by username. */
export interface Friend {
  readonly id: number;
  readonly username: string;
  readonly status: UserStatus;
}

/** SESSION_TOKEN's reply (PROTOCOL §8): a token for RESUME, and when it expires (epoch ms). */
export interface SessionToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** CREATE_GROUP's reply: the name as stored (trimmed). */
export interface CreatedGroup {
  readonly groupId: number;
  readonly name: string;
}

/** One record of GET_GROUPS (2008, extension), ordered by group id. */
export interface GroupSummary {
  readonly groupId: number;
  readonly name: string;
  /** The caller's role in the group. */
  readonly role: GroupRole;
  readonly memberCount: number;
}

/** One record of GET_GROUP_MEMBERS (2009, extension), ordered by username. */
export interface GroupMember {
  readonly id: number;
  readonly username: string;
  readonly role: GroupRole;
  readonly status: UserStatus;
}

/** A conversation's kind (PROTOCOL §9): with one user (`d` on the wire) or in a group (`g`). */
export type ConversationKind = 'direct' | 'group';

/** One record of GET_HISTORY (2015, PROTOCOL §9), newest first. */
export interface HistoryMessage {
  /** Unique across direct and group messages, ascending within a conversation (as in 2013/2014). */
  readonly messageId: number;
  readonly senderId: number;
  readonly senderUsername: string;
  readonly content: string;
  readonly timestamp: number;
  /**
   * A direct message: whether its receiver has read it (for yours, whether the other
   * user has). A group message: whether you have (your own count as read).
   */
  readonly read: boolean;
}

/** One record of GET_CONVERSATIONS (2017, PROTOCOL §9), newest activity first. */
export interface ConversationSummary {
  readonly kind: ConversationKind;
  /** The other user (direct) or the group. */
  readonly peerId: number;
  /** The other user's name or the group's. */
  readonly name: string;
  readonly lastMessageId: number;
  readonly lastTimestamp: number;
  /** Messages sent to you in this conversation that you have not read. */
  readonly unreadCount: number;
}

/** Who may send you direct messages (PROTOCOL §10): anyone (the default), or only your friends. */
export type Privacy = 'everyone' | 'friends';

/** One record of GET_BLOCKED (2018, PROTOCOL §10): a user you blocked, ordered by username. */
export interface BlockedUser {
  readonly userId: number;
  readonly username: string;
}
