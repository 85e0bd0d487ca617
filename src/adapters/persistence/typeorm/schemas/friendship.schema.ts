import { EntitySchema } from 'typeorm';
import { AccountSchema } from './account.schema';
import { integer, millis, type StoredBigInt } from './columns';

/** One row per friendship, whoever asked: the pair is stored ordered, so the primary key makes it unique. */
export interface FriendshipRecord {
  userLow: number;
  userHigh: number;
  createdAt: StoredBigInt;
}

export const FriendshipSchema = new EntitySchema<FriendshipRecord>({
  name: 'Friendship',
  tableName: 'friend_lists',
  withoutRowid: true,
  columns: {
    userLow: integer('user_low', {
      primary: true,
      primaryKeyConstraintName: 'PK_friend_lists',
      foreignKey: { target: AccountSchema, name: 'FK_friend_lists_user_low' },
    }),
    userHigh: integer('user_high', {
      primary: true,
      primaryKeyConstraintName: 'PK_friend_lists',
      foreignKey: { target: AccountSchema, name: 'FK_friend_lists_user_high' },
    }),
    createdAt: millis('created_at'),
  },
  indices: [{ name: 'IDX_friend_lists_user_high', columns: ['userHigh'] }],
  checks: [{ name: 'CHK_friend_lists_order', expression: `user_low < user_high` }],
});
