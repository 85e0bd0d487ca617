import type { GroupRepository } from '../../../../application/ports';
import type { Group, GroupId, GroupMember, GroupRole, Timestamp, UserId } from '../../../../domain';
import type { Executor } from '../executor';
import { GroupMapper } from '../mappers';
import { insertReturningId, insertRow } from '../query-helpers';
import { GroupMemberSchema, GroupSchema } from '../schemas';
import { isUniqueViolation } from '../unique-violation';

export class TypeOrmGroupRepository implements GroupRepository {
  constructor(private readonly db: Executor) {}

  create(name: string, creatorId: UserId, at: Timestamp): Promise<Group> {
    const record = GroupMapper.toPersistence(name, creatorId, at);
    return this.db.atomically(async (manager) => {
      const id = await insertReturningId(manager, GroupSchema, record);
      const creator = GroupMapper.memberToPersistence({ groupId: id, userId: creatorId, role: 'admin', joinedAt: at });
      await insertRow(manager, GroupMemberSchema, creator);
      return GroupMapper.toDomain({ id, ...record });
    });
  }

  findById(id: GroupId): Promise<Group | null> {
    return this.db.run(async (manager) => {
      const record = await manager.createQueryBuilder(GroupSchema, 'g').where('g.id = :id', { id }).getOne();
      return record ? GroupMapper.toDomain(record) : null;
    });
  }

  findMember(groupId: GroupId, userId: UserId): Promise<GroupMember | null> {
    return this.db.run(async (manager) => {
      const record = await manager
        .createQueryBuilder(GroupMemberSchema, 'gm')
        .where('gm.groupId = :groupId AND gm.userId = :userId', { groupId, userId })
        .getOne();
      return record ? GroupMapper.memberToDomain(record) : null;
    });
  }

  async addMember(member: GroupMember): Promise<boolean> {
    try {
      await this.db.run((manager) => insertRow(manager, GroupMemberSchema, GroupMapper.memberToPersistence(member)));
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

  listMembers(groupId: GroupId): Promise<GroupMember[]> {
    return this.db.run(async (manager) => {
      const records = await manager
        .createQueryBuilder(GroupMemberSchema, 'gm')
        .where('gm.groupId = :groupId', { groupId })
        .orderBy('gm.joinedAt', 'ASC')
        .addOrderBy('gm.userId', 'ASC')
        .getMany();
      return records.map((record) => GroupMapper.memberToDomain(record));
    });
  }

  async setRole(groupId: GroupId, userId: UserId, role: GroupRole): Promise<void> {
    await this.db.run((manager) =>
      manager.createQueryBuilder().update(GroupMemberSchema).set({ role }).where({ groupId, userId }).execute(),
    );
  }
}
