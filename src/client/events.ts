import type { UserIdentity, UserStatus } from './results';

/** A direct message: pushed as 2001 or 2013, or returned by GET_OFFLINE_MESSAGES (2005). */
export interface DirectMessage {
  /** Pushed as 2013 (acks enabled, PROTOCOL §8): the id to acknowledge and to drop duplicates by. Absent otherwise. */
  readonly messageId?: number;
  readonly senderId: number;
  readonly senderUsername: string;
  readonly content: string;
  readonly timestamp: number;
}

/** A group message: pushed as 2002 or 2014, or returned by GET_OFFLINE_GROUP_MESSAGES (2010). */
export interface GroupMessage {
  /** Pushed as 2014 (acks enabled, PROTOCOL §8); absent otherwise. Unique across direct and group messages. */
  readonly messageId?: number;
  readonly groupId: number;
  readonly groupName: string;
  readonly senderId: number;
  readonly senderUsername: string;
  readonly content: string;
  readonly timestamp: number;
}

/** A pending friend request addressed to you: pushed as 2003, or listed by GET_FRIEND_REQUESTS (2007). */
export interface FriendRequest {
  /** Pass it to acceptFriendRequest / rejectFriendRequest. */
  readonly requestId: number;
  readonly senderId: number;
  readonly senderUsername: string;
  readonly timestamp: number;
}

/** 2006: a friend's first connection logged in, or their last one went away. */
export interface PresenceUpdate {
  readonly userId: number;
  readonly username: string;
  readonly status: UserStatus;
}

/** 2011 (extension): someone accepted your friend request. */
export interface FriendRequestAccepted {
  readonly requestId: number;
  /** The user who accepted. */
  readonly userId: number;
  readonly username: string;
  readonly timestamp: number;
}

export type MembershipEvent = 'added' | 'removed' | 'left';

/** 2012 (extension): a member joined, was removed from or left a group you are (or were) in. */
export interface MembershipChange {
  readonly groupId: number;
  readonly groupName: string;
  /** The member concerned (you, for `added`/`removed` pushes addressed to you). */
  readonly userId: number;
  readonly username: string;
  readonly event: MembershipEvent;
}

/**
 * 2016 (PROTOCOL §9): someone read your direct messages to them, every one up to
 * `upToMessageId` (the newest of yours they have now read; earlier ones too). Sent to
 * every connection of yours.
 */
export interface ReadReceipt {
  readonly readerId: number;
  readonly readerUsername: string;
  readonly upToMessageId: number;
  readonly timestamp: number;
}

/**
 * A frame the client did not act on. The connection stays open:
 * - `unknown-type`: a TYPE this client does not know (a newer server's push);
 * - `malformed-push`: a known push whose fields do not parse;
 * - `unsolicited-reply`: a reply while no request was waiting for one.
 */
export interface UnexpectedFrame {
  readonly type: number;
  readonly payload: string;
  readonly reason: 'unknown-type' | 'malformed-push' | 'unsolicited-reply';
}

/** A reconnect attempt the client has scheduled (reliable mode). */
export interface ReconnectAttempt {
  /** 1 for the first attempt after the connection was lost; grows until one succeeds. */
  readonly attempt: number;
  /** How long the client waits before it, in ms (exponential backoff with jitter). */
  readonly delayMs: number;
}

/** The events a ChatClient emits, and their arguments. */
export interface ChatClientEvents {
  message: [message: DirectMessage];
  groupMessage: [message: GroupMessage];
  friendRequest: [request: FriendRequest];
  presence: [update: PresenceUpdate];
  friendRequestAccepted: [accepted: FriendRequestAccepted];
  membershipChanged: [change: MembershipChange];
  read: [receipt: ReadReceipt];
  unexpectedFrame: [frame: UnexpectedFrame];
  /**
   * Reliable mode: the connection of a resumable session was lost (not closed by you).
   * Requests pending on it have rejected with a ConnectionClosedError; the client now
   * reconnects by itself. Emitted once per outage, however many attempts it takes.
   */
  disconnected: [error: Error];
  /** Reliable mode: the next reconnect attempt is scheduled. */
  reconnecting: [attempt: ReconnectAttempt];
  /**
   * Reliable mode: reconnected and resumed as this user. Acks are enabled again right
   * after, so what was missed meanwhile follows as `message` / `groupMessage` events
   * (duplicates dropped).
   */
  reconnected: [user: UserIdentity];
  /**
   * Reliable mode: reconnecting stopped for good — the server refused the token
   * (ChatError 401 or 403; the saved token is then cleared), nothing was saved to
   * resume, or loading it failed. `close` follows with the same error.
   */
  reconnectFailed: [error: Error];
  /**
   * Emitted once when the client has closed for good. `error` is undefined when you
   * called `close()`/`destroy()`; otherwise it says why (the server closed the
   * connection, a socket error, a RequestTimeoutError, a ProtocolError, or in
   * reliable mode the error of `reconnectFailed`). In reliable mode a lost connection
   * that the client resumes emits `disconnected` instead.
   */
  close: [error: Error | undefined];
}
