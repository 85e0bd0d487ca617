import type { GroupId, Timestamp, UserId } from './ids';

export type GroupRole = 'admin' | 'member';

export interface Group {
  readonly id: GroupId;
  readonly name: string;
  readonly createdBy: UserId;
  readonly createdAt: Timestamp;
}

/** A member as the other members see them. */
export interface GroupMemberView {
  readonly userId: UserId;
  readonly username: string;
  readonly role: GroupRole;
}

/** One of a user's groups, with the user's role in it. */
export interface Membership {
  readonly groupId: GroupId;
  readonly groupName: string;
  readonly role: GroupRole;
  readonly memberCount: number;
}

export interface GroupMember {
  readonly groupId: GroupId;
  readonly userId: UserId;
  readonly role: GroupRole;
  readonly joinedAt: Timestamp;
}

/**
 * Who becomes admin when the last admin leaves: the longest-standing of the
 * members who remain (earliest join, then lowest id), or nobody when an admin remains
 * or nobody is left.
 */
export function successorAfterLeaving(remaining: readonly GroupMember[]): GroupMember | null {
  if (remaining.length === 0 || remaining.some((m) => m.role === 'admin')) return null;
  let longest = remaining[0]!;
  for (const member of remaining) {
    if (
      member.joinedAt < longest.joinedAt ||
      (member.joinedAt === longest.joinedAt && member.userId < longest.userId)
    ) {
      longest = member;
    }
  }
  return longest;
}
