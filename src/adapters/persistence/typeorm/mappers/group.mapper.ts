import type { Group, GroupMember, GroupRole, Timestamp, UserId } from '../../../../domain';
import type { GroupMemberRecord, GroupRecord } from '../schemas';

export const GroupMapper = {
  toDomain(record: GroupRecord): Group {
    return {
      id: record.id,
      name: record.name,
      createdBy: record.createdBy,
      createdAt: Number(record.createdAt),
    };
  },

  toPersistence(name: string, creatorId: UserId, at: Timestamp): Omit<GroupRecord, 'id'> {
    return { name, createdBy: creatorId, createdAt: at };
  },

  memberToDomain(record: GroupMemberRecord): GroupMember {
    return {
      groupId: record.groupId,
      userId: record.userId,
      role: groupRole(record.role),
      joinedAt: Number(record.joinedAt),
    };
  },

  memberToPersistence(member: GroupMember): GroupMemberRecord {
    return { groupId: member.groupId, userId: member.userId, role: member.role, joinedAt: member.joinedAt };
  },
};

function groupRole(stored: string): GroupRole {
  if (stored === 'admin' || stored === 'member') return stored;
  throw new Error(`Unknown group role in storage: ${stored}`);
}
