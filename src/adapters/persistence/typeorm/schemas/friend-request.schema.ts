import { EntitySchema } from 'typeorm';
import { AccountSchema } from './account.schema';
import { generatedId, integer, millis, varchar, type StoredBigInt } from './columns';

export interface FriendRequestRecord {
  id: number;
  senderId: number;
  receiverId: number;
  status: string;
  createdAt: StoredBigInt;
  answeredAt: StoredBigInt | null;
  /**
   * `"<lowId>:<highId>"` while pending, NULL once answered. Its unique index allows
   * one pending request per pair in either direction; a partial index would do the
   * same, but MySQL has none.
   */
  pendingKey: string | null;
}

export const FriendRequestSchema = new EntitySchema<FriendRequestRecord>({
  name: 'FriendRequest',
  tableName: 'friend_requests',
  columns: {
    id: generatedId(),
    senderId: integer('sender_id', {
      foreignKey: { target: AccountSchema, name: 'FK_friend_requests_sender' },
    }),
    receiverId: integer('receiver_id', {
      foreignKey: { target: AccountSchema, name: 'FK_friend_requests_receiver' },
    }),
    status: varchar('status', 16),
    createdAt: millis('created_at'),
    answeredAt: millis('answered_at', { nullable: true }),
    pendingKey: varchar('pending_key', 64, { nullable: true }),
  },
  uniques: [{ name: 'UQ_friend_requests_pending_key', columns: ['pendingKey'] }],
  indices: [{ name: 'IDX_friend_requests_receiver_status', columns: ['receiverId', 'status', 'id'] }],
  checks: [
    { name: 'CHK_friend_requests_status', expression: `status IN ('pending', 'accepted', 'rejected')` },
    { name: 'CHK_friend_requests_pending_key', expression: `(status = 'pending') = (pending_key IS NOT NULL)` },
    { name: 'CHK_friend_requests_not_self', expression: `sender_id <> receiver_id` },
  ],
});
