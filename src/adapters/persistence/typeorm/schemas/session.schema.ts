import { EntitySchema } from 'typeorm';
import { AccountSchema } from './account.schema';
import { generatedId, integer, millis, varchar, type StoredBigInt } from './columns';

export interface SessionRecord {
  id: number;
  userId: number;
  nodeId: string;
  connectionId: string;
  createdAt: StoredBigInt;
}

export const SessionSchema = new EntitySchema<SessionRecord>({
  name: 'Session',
  tableName: 'sessions',
  columns: {
    id: generatedId(),
    userId: integer('user_id', {
      foreignKey: { target: AccountSchema, name: 'FK_sessions_user' },
    }),
    nodeId: varchar('node_id', 64),
    connectionId: varchar('connection_id', 64),
    createdAt: millis('created_at'),
  },
  indices: [{ name: 'IDX_sessions_node', columns: ['nodeId'] }],
});
