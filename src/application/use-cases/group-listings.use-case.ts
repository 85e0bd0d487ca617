import {
  DomainErrors,
  fail,
  ok,
  type DomainError,
  type GroupId,
  type GroupMemberView,
  type Membership,
  type PresenceStatus,
  type Result,
  type UserId,
} from '../../domain';
import type { Presence, Repositories } from '../ports';

/** The groups the caller belongs to, by group id, with role and member count. */
export class GetGroups {
  constructor(private readonly repositories: Repositories) {}

  execute(input: { readonly userId: UserId }): Promise<readonly Membership[]> {
    return this.repositories.groups.listMembershipsOf(input.userId);
  }
}

export interface GroupMemberWithStatus extends GroupMemberView {
  readonly status: PresenceStatus;
}

/** A group's members by username, with role and presence; only members may look. */
export class GetGroupMembers {
  constructor(
    private readonly repositories: Repositories,
    private readonly presence: Presence,
  ) {}

  async execute(input: {
    readonly userId: UserId;
    readonly groupId: GroupId;
  }): Promise<Result<readonly GroupMemberWithStatus[], DomainError>> {
    const { groups } = this.repositories;
    if (!(await groups.findMember(input.groupId, input.userId))) return fail(DomainErrors.groupNotFound());
    const members = await groups.listMembersByName(input.groupId);
    const online = await this.presence.onlineAmong(members.map((m) => m.userId));
    return ok(members.map((m) => ({ ...m, status: online.has(m.userId) ? 'online' : 'offline' })));
  }
}
