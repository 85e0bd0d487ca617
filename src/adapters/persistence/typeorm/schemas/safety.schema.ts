import { EntitySchema } from 'typeorm';
import { AccountSchema } from './account.schema';
import { generatedId, integer, millis, type StoredBigInt } from './columns';

/** One row per block (PROTOCOL.md §10): the blocker's, one way. The primary key makes a block unique. */
export interface BlockRecord {
  blockerId: number;
  blockedId: number;
  createdAt: StoredBigInt;
}

/** An abuse report (PROTOCOL.md §10), for the operator. */
export interface ReportRecordRow {
  id: number;
  reporterId: number;
  reportedId: number;
  reason: string;
  createdAt: StoredBigInt;
}

/**
 * Sending a direct message looks up both (blocker, blocked) pairs of the two users
 * by primary key; the (blocked, blocker) index serves who blocked a user. A deleted
 * account takes its blocks with it.
 */
export const BlockSchema = new EntitySchema<BlockRecord>({
  name: 'Block',
  tableName: 'blocks',
  withoutRowid: true,
  columns: {
    blockerId: integer('blocker_id', {
      primary: true,
      primaryKeyConstraintName: 'PK_blocks',
      foreignKey: { target: AccountSchema, name: 'FK_blocks_blocker', onDelete: 'CASCADE' },
    }),
    blockedId: integer('blocked_id', {
      primary: true,
      primaryKeyConstraintName: 'PK_blocks',
      foreignKey: { target: AccountSchema, name: 'FK_blocks_blocked', onDelete: 'CASCADE' },
    }),
    createdAt: millis('created_at'),
  },
  indices: [{ name: 'IDX_blocks_blocked', columns: ['blockedId', 'blockerId'] }],
  checks: [{ name: 'CHK_blocks_not_self', expression: `blocker_id <> blocked_id` }],
});

/**
 * The operator lists reports newest first, of everyone or about one user; REPORT_USER
 * counts the reporter's reports of the last day. An index for each.
 */
export const ReportSchema = new EntitySchema<ReportRecordRow>({
  name: 'Report',
  tableName: 'reports',
  columns: {
    id: generatedId(),
    reporterId: integer('reporter_id', { foreignKey: { target: AccountSchema, name: 'FK_reports_reporter' } }),
    reportedId: integer('reported_id', { foreignKey: { target: AccountSchema, name: 'FK_reports_reported' } }),
    reason: { name: 'reason', type: 'text' },
    createdAt: millis('created_at'),
  },
  indices: [
    { name: 'IDX_reports_created_at', columns: ['createdAt', 'id'] },
    { name: 'IDX_reports_reported', columns: ['reportedId', 'createdAt', 'id'] },
    { name: 'IDX_reports_reporter', columns: ['reporterId', 'createdAt'] },
  ],
  checks: [{ name: 'CHK_reports_not_self', expression: `reporter_id <> reported_id` }],
});
