import type { Group, GroupId, GroupMember, GroupMemberView, GroupRole, Membership, Timestamp, UserId } from '../../domain';

export interface GroupRepository {
  /** Creates the group with its creator as first admin. */
  create(name: string, creatorId: UserId, at: Timestamp): Promise<Group>;
  findById(id: GroupId): Promise<Group | null>;
  findMember(groupId: GroupId, userId: UserId): Promise<GroupMember | null>;
  /** false when the user is a member already. */
  addMember(member: GroupMember): Promise<boolean>;
  /** false when the user was not a member. */
  removeMember(groupId: GroupId, userId: UserId): Promise<boolean>;
  /** Members, longest-standing first. */
  listMembers(groupId: GroupId): Promise<GroupMember[]>;
  setRole(groupId: GroupId, userId: UserId, role: GroupRole): Promise<void>;
  /** Members with their names, ordered by username case-insensitively. */
  listMembersByName(groupId: GroupId): Promise<GroupMemberView[]>;
  /** The groups a user belongs to, ordered by group id, with the user's role and the member count. */
  listMembershipsOf(userId: UserId): Promise<Membership[]>;
}
