import type { Timestamp, UserId, UserRef } from '../../domain';

export interface FriendshipRepository {
  /** false when the two are friends already. */
  add(a: UserId, b: UserId, since: Timestamp): Promise<boolean>;
  /** false when they were not friends. */
  remove(a: UserId, b: UserId): Promise<boolean>;
  exists(a: UserId, b: UserId): Promise<boolean>;
  /** The user's friends, ordered by username case-insensitively. */
  listFriends(userId: UserId): Promise<UserRef[]>;
}
