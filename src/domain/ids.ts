export type UserId = number;
export type GroupId = number;
export type MessageId = number;
export type FriendRequestId = number;
/** Unix epoch milliseconds, UTC. */
export type Timestamp = number;
