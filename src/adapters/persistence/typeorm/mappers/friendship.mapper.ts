import type { Timestamp, UserId, UserRef } from '../../../../domain';
import type { FriendshipRecord } from '../schemas';

/** A friend as listed: the other user of a friendship row, joined with their account. */
export interface FriendRow {
  id: number;
  username: string;
}

export const FriendshipMapper = {
  /** The pair in stored order (low id first), whichever way round it is given. */
  pair(a: UserId, b: UserId): Pick<FriendshipRecord, 'userLow' | 'userHigh'> {
    return a < b ? { userLow: a, userHigh: b } : { userLow: b, userHigh: a };
  },

  toPersistence(a: UserId, b: UserId, since: Timestamp): FriendshipRecord {
    return { ...FriendshipMapper.pair(a, b), createdAt: since };
  },

  friendToDomain(row: FriendRow): UserRef {
    return { id: row.id, username: row.username };
  },
};
