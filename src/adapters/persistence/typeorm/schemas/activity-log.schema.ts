import { EntitySchema } from 'typeorm';
import { AccountSchema } from './account.schema';
import { generatedId, integer, millis, varchar, type StoredBigInt } from './columns';

export interface ActivityLogRecord {
  id: number;
  userId: number | null;
  action: string;
  detail: string | null;
  createdAt: StoredBigInt;
}

export const ActivityLogSchema = new EntitySchema<ActivityLogRecord>({
  name: 'ActivityLog',
  tableName: 'activity_logs',
  columns: {
    id: generatedId(),
    userId: integer('user_id', {
      nullable: true,
      foreignKey: { target: AccountSchema, name: 'FK_activity_logs_user', onDelete: 'SET NULL' },
    }),
    action: varchar('action', 32),
    detail: varchar('detail', 255, { nullable: true }),
    createdAt: millis('created_at'),
  },
  indices: [
    { name: 'IDX_activity_logs_user', columns: ['userId', 'id'] },
    { name: 'IDX_activity_logs_created_at', columns: ['createdAt'] },
  ],
});
