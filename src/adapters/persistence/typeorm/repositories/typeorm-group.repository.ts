import type { GroupRepository } from '../../../../application/ports';
import type {
  Group,
  GroupId,
  GroupMember,
  GroupMemberView,
  GroupRole,
  Membership,
  Timestamp,
  UserId,
} from '../../../../domain';
import type { Executor } from '../executor';
import { GroupMapper } from '../mappers';
import { insertReturningId, insertRow } from '../query-helpers';
import { GroupMemberSchema, GroupSchema, type GroupMemberRecord, type GroupRecord } from '../schemas';
import { isUniqueViolation } from '../unique-violation';

const LIST_MEMBERS_BY_NAME = `
  SELECT gm.user_id AS userId, a.username AS username, gm.role AS role
  FROM group_members gm JOIN accounts a ON a.id = gm.user_id
  WHERE gm.group_id = ?
  ORDER BY a.username_key, a.id`;
/** `groups` is reserved in MySQL: the driver quotes it for its dialect. */
const LIST_MEMBERSHIPS = (groups: string): string => `
  SELECT g.id AS groupId, g.name AS groupName, gm.role AS role,
         (SELECT COUNT(*) FROM group_members c WHERE c.group_id = g.id) AS memberCount
  FROM group_members gm JOIN ${groups} g ON g.id = gm.group_id
  WHERE gm.user_id = ?
  ORDER BY g.id`;

/**
 * A membership begins after the group's newest message: what the member sees of the
 * group (PROTOCOL.md §9) starts above it. A group that does not exist fails the
 * foreign key, as before.
 */
const INSERT_MEMBER = (groups: string): string => `
  INSERT INTO group_members (group_id, user_id, role, joined_at, last_read_message_id, joined_after_message_id)
  VALUES (?, ?, ?, ?, 0, COALESCE((SELECT g.last_message_id FROM ${groups} g WHERE g.id = ?), 0))`;
const SQLITE_INSERT_MEMBER = INSERT_MEMBER('"groups"');

/* SQLite's prepared statements on the group-message path (see sqlite-statements.ts). */
const SQLITE_FIND_GROUP = 'SELECT id, name, created_by AS createdBy, created_at AS createdAt FROM "groups" WHERE id = ?';
const SQLITE_MEMBER_COLUMNS = 'group_id AS groupId, user_id AS userId, role, joined_at AS joinedAt';
const SQLITE_FIND_MEMBER = `SELECT ${SQLITE_MEMBER_COLUMNS} FROM group_members WHERE group_id = ? AND user_id = ?`;
/** Read as arrays (a group message lists every member): user_id, role, joined_at. */
const SQLITE_LIST_MEMBERS = 'SELECT user_id, role, joined_at FROM group_members WHERE group_id = ? ORDER BY joined_at, user_id';

export class TypeOrmGroupRepository implements GroupRepository {
  constructor(private readonly db: Executor) {}

  create(name: string, creatorId: UserId, at: Timestamp): Promise<Group> {
    const record = GroupMapper.toPersistence(name, creatorId, at);
    return this.db.atomically(async (manager) => {
      const id = await insertReturningId(manager, GroupSchema, record);
      // A new group has no message yet: the creator sees all of them.
      const creator = GroupMapper.memberToPersistence({ groupId: id, userId: creatorId, role: 'admin', joinedAt: at }, 0);
      await insertRow(manager, GroupMemberSchema, creator);
      return GroupMapper.toDomain({ id, ...record });
    });
  }

  /**
   * Inside a MySQL unit of work this locks the group's row until the unit ends:
   * every unit of work that changes a group's members (add, remove, leave) reads
   * the group first, so they take turns per group, and a leaving admin's unit sees
   * the members as the one before it left them. Without it, the last admin and
   * another member leaving at once could each promote the other, leaving no admin.
   */
  findById(id: GroupId): Promise<Group | null> {
    const sqlite = this.db.sqlite;
    if (sqlite) {
      return sqlite.read((s) => {
        const row = s.get(SQLITE_FIND_GROUP, [id]) as GroupRecord | undefined;
        return row ? GroupMapper.toDomain(row) : null;
      });
    }
    return this.db.run(async (manager) => {
      const query = manager.createQueryBuilder(GroupSchema, 'g').where('g.id = :id', { id });
      if (this.db.locksRows) query.setLock('pessimistic_write');
      const record = await query.getOne();
      return record ? GroupMapper.toDomain(record) : null;
    });
  }

  findMember(groupId: GroupId, userId: UserId): Promise<GroupMember | null> {
    const sqlite = this.db.sqlite;
    if (sqlite) {
      return sqlite.read((s) => {
        const row = s.get(SQLITE_FIND_MEMBER, [groupId, userId]) as GroupMemberRecord | undefined;
        return row ? GroupMapper.memberToDomain(row) : null;
      });
    }
    return this.db.run(async (manager) => {
      const record = await manager
        .createQueryBuilder(GroupMemberSchema, 'gm')
        .where('gm.groupId = :groupId AND gm.userId = :userId', { groupId, userId })
        .getOne();
      return record ? GroupMapper.memberToDomain(record) : null;
    });
  }

  async addMember(member: GroupMember): Promise<boolean> {
    const values = [member.groupId, member.userId, member.role, member.joinedAt, member.groupId];
    const sqlite = this.db.sqlite;
    try {
      if (sqlite) {
        await sqlite.write((s) => s.run(SQLITE_INSERT_MEMBER, values));
      } else {
        await this.db.run((manager) => manager.query(INSERT_MEMBER(manager.connection.driver.escape('groups')), values));
      }
      return true;
    } catch (error) {
      // (group_id, user_id) is the primary key: one membership per user and group.
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  removeMember(groupId: GroupId, userId: UserId): Promise<boolean> {
    return this.db.run(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .delete()
        .from(GroupMemberSchema)
        .where({ groupId, userId })
        .execute();
      return (result.affected ?? 0) > 0;
    });
  }

  /**
   * Inside a MySQL unit of work this is a locking read: it sees the rows as
   * committed now (not as the transaction's snapshot had them) and holds them until
   * the unit ends, so a successor is chosen from the members that really remain.
   */
  listMembers(groupId: GroupId): Promise<GroupMember[]> {
    const sqlite = this.db.sqlite;
    if (sqlite) {
      return sqlite.read((s) =>
        s.allRows(SQLITE_LIST_MEMBERS, [groupId]).map(([userId, role, joinedAt]) =>
          GroupMapper.memberToDomain({ groupId, userId: Number(userId), role: String(role), joinedAt: Number(joinedAt) }),
        ),
      );
    }
    return this.db.run(async (manager) => {
      const query = manager
        .createQueryBuilder(GroupMemberSchema, 'gm')
        .where('gm.groupId = :groupId', { groupId })
        .orderBy('gm.joinedAt', 'ASC')
        .addOrderBy('gm.userId', 'ASC');
      if (this.db.locksRows) query.setLock('pessimistic_write');
      const records = await query.getMany();
      return records.map((record) => GroupMapper.memberToDomain(record));
    });
  }

  async setRole(groupId: GroupId, userId: UserId, role: GroupRole): Promise<void> {
    await this.db.run((manager) =>
      manager.createQueryBuilder().update(GroupMemberSchema).set({ role }).where({ groupId, userId }).execute(),
    );
  }

  listMembersByName(groupId: GroupId): Promise<GroupMemberView[]> {
    return this.db.run(async (manager) => {
      const rows: { userId: number; username: string; role: GroupRole }[] = await manager.query(LIST_MEMBERS_BY_NAME, [
        groupId,
      ]);
      return rows.map((row) => ({ userId: Number(row.userId), username: row.username, role: row.role }));
    });
  }

  listMembershipsOf(userId: UserId): Promise<Membership[]> {
    return this.db.run(async (manager) => {
      const sql = LIST_MEMBERSHIPS(manager.connection.driver.escape('groups'));
      const rows: { groupId: number; groupName: string; role: GroupRole; memberCount: number | string }[] =
        await manager.query(sql, [userId]);
      return rows.map((row) => ({
        groupId: Number(row.groupId),
        groupName: row.groupName,
        role: row.role,
        memberCount: Number(row.memberCount),
      }));
    });
  }
}
