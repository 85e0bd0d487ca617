import type { UserStatus } from './results';

/** A direct message: pushed as 2001, or returned by GET_OFFLINE_MESSAGES (2005). */
export interface DirectMessage {
  readonly senderId: number;
  readonly senderUsername: string;
  readonly content: string;
  readonly timestamp: number;
}

/** A group message: pushed as 2002, or returned by GET_OFFLINE_GROUP_MESSAGES (2010). */
export interface GroupMessage {
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

/** The events a ChatClient emits, and their arguments. */
export interface ChatClientEvents {
  message: [message: DirectMessage];
  groupMessage: [message: GroupMessage];
  friendRequest: [request: FriendRequest];
  presence: [update: PresenceUpdate];
  friendRequestAccepted: [accepted: FriendRequestAccepted];
  membershipChanged: [change: MembershipChange];
  unexpectedFrame: [frame: UnexpectedFrame];
  /**
   * Emitted once when the socket has closed. `error` is undefined when you called
   * `close()`/`destroy()`; otherwise it says why (the server closed the connection,
   * a socket error, a RequestTimeoutError, a ProtocolError).
   */
  close: [error: Error | undefined];
}
