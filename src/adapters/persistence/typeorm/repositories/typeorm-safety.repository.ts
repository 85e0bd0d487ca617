import type { SafetyRepository } from '../../../../application/ports';
import { parsePrivacy, type NewReport, type Privacy, type Timestamp, type UserId, type UserRef } from '../../../../domain';
import type { Executor } from '../executor';
import { generatedId, insertRow } from '../query-helpers';
import { AccountSchema, BlockSchema, ReportSchema } from '../schemas';
import { isUniqueViolation } from '../unique-violation';

/*
 * Plain SQL that reads the same on SQLite and MySQL (no name here is reserved in either).
 * What the send path checks is not here: it is part of storing a direct message (see
 * INSERT_DIRECT in typeorm-message.repository.ts).
 */

/** Both directions by primary key. */
const BLOCKED_EITHER_WAY = `
  SELECT 1 AS found FROM blocks
  WHERE (blocker_id = ? AND blocked_id = ?) OR (blocker_id = ? AND blocked_id = ?)
  LIMIT 1`;
/**
 * Inside a MySQL unit of work the read is a locking one: a block being stored is
 * waited for, and one stored after the read waits for this unit, so a friend request
 * and a block racing each other cannot both commit.
 */
const BLOCKED_EITHER_WAY_LOCKING = `${BLOCKED_EITHER_WAY} LOCK IN SHARE MODE`;

/** username_key is the username lower-cased: case-insensitive order, ties by id. */
const LIST_BLOCKED = `
  SELECT a.id AS id, a.username AS username
  FROM blocks b JOIN accounts a ON a.id = b.blocked_id
  WHERE b.blocker_id = ?
  ORDER BY a.username_key, a.id`;

const PRIVACY_OF = 'SELECT privacy AS privacy FROM accounts WHERE id = ?';

/**
 * SQLite: one statement checks the cap and stores the report (SQLite runs one
 * writer at a time). The reporter's account row is the one row selected from.
 * Bound: reporter, reported, reason, time, reporter, reporter, since, max.
 */
const SQLITE_INSERT_REPORT_UNDER_CAP = `
  INSERT INTO reports (reporter_id, reported_id, reason, created_at)
  SELECT ?, ?, ?, ? FROM accounts a
  WHERE a.id = ?
    AND (SELECT COUNT(*) FROM reports r WHERE r.reporter_id = ? AND r.created_at >= ?) < ?`;
/**
 * MySQL: the same in a transaction that first locks the reporter's account row, so
 * reports by one reporter are counted and stored one after another. (An INSERT ...
 * SELECT counting its own table would hold InnoDB's table-wide AUTO-INC lock while
 * it reads, and racing ones fail instead of waiting.)
 */
const LOCK_REPORTER = 'SELECT id FROM accounts WHERE id = ? FOR UPDATE';
const COUNT_RECENT_REPORTS = 'SELECT COUNT(*) AS n FROM reports WHERE reporter_id = ? AND created_at >= ?';
const INSERT_REPORT = 'INSERT INTO reports (reporter_id, reported_id, reason, created_at) VALUES (?, ?, ?, ?)';

export class TypeOrmSafetyRepository implements SafetyRepository {
  constructor(private readonly db: Executor) {}

  async block(blockerId: UserId, blockedId: UserId, at: Timestamp): Promise<boolean> {
    try {
      await this.db.run((manager) => insertRow(manager, BlockSchema, { blockerId, blockedId, createdAt: at }));
      return true;
    } catch (error) {
      // The pair is the primary key: the block exists already.
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  unblock(blockerId: UserId, blockedId: UserId): Promise<boolean> {
    return this.db.run(async (manager) => {
      const result = await manager.createQueryBuilder().delete().from(BlockSchema).where({ blockerId, blockedId }).execute();
      return (result.affected ?? 0) > 0;
    });
  }

  isBlockedEitherWay(a: UserId, b: UserId): Promise<boolean> {
    const sql = this.db.locksRows ? BLOCKED_EITHER_WAY_LOCKING : BLOCKED_EITHER_WAY;
    return this.db.run(async (manager) => ((await manager.query(sql, [a, b, b, a])) as unknown[]).length > 0);
  }

  listBlocked(blockerId: UserId): Promise<UserRef[]> {
    return this.db.run(async (manager) => {
      const rows: { id: number | string; username: string }[] = await manager.query(LIST_BLOCKED, [blockerId]);
      return rows.map((row) => ({ id: Number(row.id), username: row.username }));
    });
  }

  setPrivacy(userId: UserId, privacy: Privacy): Promise<boolean> {
    return this.db.run(async (manager) => {
      // The condition leaves an unchanged setting out: the rows matched are the rows changed.
      const result = await manager
        .createQueryBuilder()
        .update(AccountSchema)
        .set({ privacy })
        .where('id = :userId AND privacy <> :privacy', { userId, privacy })
        .execute();
      return (result.affected ?? 0) > 0;
    });
  }

  privacyOf(userId: UserId): Promise<Privacy | null> {
    return this.db.run(async (manager) => {
      const [row]: { privacy: string }[] = await manager.query(PRIVACY_OF, [userId]);
      if (!row) return null;
      const privacy = parsePrivacy(row.privacy);
      if (privacy === null) throw new Error(`Unknown privacy setting in storage: ${row.privacy}`);
      return privacy;
    });
  }

  async addReport(report: NewReport, cap: { readonly max: number; readonly since: Timestamp }): Promise<number | 'limit-reached'> {
    const { reporterId, reportedId, reason, createdAt } = report;
    const sqlite = this.db.sqlite;
    const id = sqlite
      ? await sqlite.write((s) => {
          const values = [reporterId, reportedId, reason, createdAt, reporterId, reporterId, cap.since, cap.max];
          const inserted = s.run(SQLITE_INSERT_REPORT_UNDER_CAP, values);
          return inserted.changes === 0 ? null : Number(inserted.lastInsertRowid);
        })
      : await this.db.atomically(async (manager) => {
          await manager.query(LOCK_REPORTER, [reporterId]);
          const [row]: { n: number | string }[] = await manager.query(COUNT_RECENT_REPORTS, [reporterId, cap.since]);
          if (Number(row?.n) >= cap.max) return null;
          const inserted: unknown = await manager.query(INSERT_REPORT, [reporterId, reportedId, reason, createdAt]);
          return generatedId(manager, ReportSchema, inserted);
        });
    return id ?? 'limit-reached';
  }
}
