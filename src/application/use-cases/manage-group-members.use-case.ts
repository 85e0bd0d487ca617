import { DomainErrors, fail, ok, type DomainError, type Group, type GroupId, type Result, type UserId, type UserRef } from '../../domain';
import type { MembershipAnnouncer } from '../services/membership-announcer';
import type { Clock, Repositories, UnitOfWork } from '../ports';

export interface GroupMemberChangeInput {
  /** The admin making the change. */
  readonly actorId: UserId;
  readonly groupId: GroupId;
  readonly userId: UserId;
}

/** The group, when it exists and the actor is one of its admins. */
async function groupAdministeredBy(
  tx: Repositories,
  groupId: GroupId,
  actorId: UserId,
): Promise<Result<Group, DomainError>> {
  const group = await tx.groups.findById(groupId);
  if (!group) return fail(DomainErrors.groupNotFound());
  const actor = await tx.groups.findMember(groupId, actorId);
  if (actor?.role !== 'admin') return fail(DomainErrors.notAdmin());
  return ok(group);
}

export interface GroupMemberChangeOutput {
  readonly group: Group;
  /** The member added or removed. */
  readonly member: UserRef;
}

/** An admin adds a user to the group as a member; the members and the new one are told. */
export class AddToGroup {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly announcer: MembershipAnnouncer,
    private readonly clock: Clock,
  ) {}

  async execute(input: GroupMemberChangeInput): Promise<Result<GroupMemberChangeOutput, DomainError>> {
    const outcome = await this.unitOfWork.run(async (tx): Promise<Result<GroupMemberChangeOutput, DomainError>> => {
      const group = await groupAdministeredBy(tx, input.groupId, input.actorId);
      if (!group.ok) return group;
      const account = await tx.accounts.findById(input.userId);
      if (!account) return fail(DomainErrors.userNotFound());
      const now = this.clock.now();
      const added = await tx.groups.addMember({ groupId: input.groupId, userId: input.userId, role: 'member', joinedAt: now });
      if (!added) return fail(DomainErrors.alreadyMember());
      await tx.activity.record({
        userId: input.actorId,
        action: 'group_add',
        detail: `group=${input.groupId} user=${input.userId}`,
        at: now,
      });
      return ok({ group: group.value, member: { id: account.id, username: account.username } });
    });
    if (outcome.ok) await this.announcer.announce(outcome.value.group, outcome.value.member, 'added');
    return outcome;
  }
}

/** An admin removes another member from the group; the members and the removed one are told. */
export class RemoveFromGroup {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly announcer: MembershipAnnouncer,
    private readonly clock: Clock,
  ) {}

  async execute(input: GroupMemberChangeInput): Promise<Result<GroupMemberChangeOutput, DomainError>> {
    if (input.userId === input.actorId) return fail(DomainErrors.invalidInput('Cannot remove yourself: use LEAVE_GROUP'));
    const outcome = await this.unitOfWork.run(async (tx): Promise<Result<GroupMemberChangeOutput, DomainError>> => {
      const group = await groupAdministeredBy(tx, input.groupId, input.actorId);
      if (!group.ok) return group;
      const account = await tx.accounts.findById(input.userId);
      if (!account || !(await tx.groups.removeMember(input.groupId, input.userId))) {
        return fail(DomainErrors.userNotFound());
      }
      await tx.activity.record({
        userId: input.actorId,
        action: 'group_remove',
        detail: `group=${input.groupId} user=${input.userId}`,
        at: this.clock.now(),
      });
      return ok({ group: group.value, member: { id: account.id, username: account.username } });
    });
    if (outcome.ok) await this.announcer.announce(outcome.value.group, outcome.value.member, 'removed');
    return outcome;
  }
}
