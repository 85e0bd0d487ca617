import type { Group, GroupMember, GroupRole, Timestamp, UserId } from '../../../../domain';
import type { GroupMemberRecord, GroupRecord } from '../schemas';

export const GroupMapper = {
  toDomain(record: Pick<GroupRecord, 'id' | 'name' | 'createdBy' | 'createdAt'>): Group {
    return {
      id: record.id,
      name: record.name,
      createdBy: record.createdBy,
      createdAt: Number(record.createdAt),
    };
  },

  /** A new group: no message yet. */
  toPersistence(name: string, creatorId: UserId, at: Timestamp): Omit<GroupRecord, 'id'> {
    return { name, createdBy: creatorId, createdAt: at, lastMessageId: 0, lastMessageAt: 0 };
  },

  memberToDomain(record: Pick<GroupMemberRecord, 'groupId' | 'userId' | 'role' | 'joinedAt'>): GroupMember {
    return {
      groupId: record.groupId,
      userId: record.userId,
      role: groupRole(record.role),
      joinedAt: Number(record.joinedAt),
    };
  },

  /** `joinedAfterMessageId`: the group's newest message when the membership begins (see GroupMemberRecord). */
  memberToPersistence(member: GroupMember, joinedAfterMessageId: number): GroupMemberRecord {
    return {
      groupId: member.groupId,
      userId: member.userId,
      role: member.role,
      joinedAt: member.joinedAt,
      lastReadMessageId: 0,
      joinedAfterMessageId,
    };
  },
};

function groupRole(stored: string): GroupRole {
  if (stored === 'admin' || stored === 'member') return stored;
  throw new Error(`Unknown group role in storage: ${stored}`);
}
