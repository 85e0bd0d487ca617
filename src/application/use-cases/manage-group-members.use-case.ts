import { DomainErrors, fail, ok, type DomainError, type Group, type GroupId, type Result, type UserId } from '../../domain';
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

/** An admin adds a user to the group as a member. */
export class AddToGroup {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async execute(input: GroupMemberChangeInput): Promise<Result<{ group: Group }, DomainError>> {
    return this.unitOfWork.run(async (tx) => {
      const group = await groupAdministeredBy(tx, input.groupId, input.actorId);
      if (!group.ok) return group;
      if (!(await tx.accounts.findById(input.userId))) return fail(DomainErrors.userNotFound());
      const now = this.clock.now();
      const added = await tx.groups.addMember({ groupId: input.groupId, userId: input.userId, role: 'member', joinedAt: now });
      if (!added) return fail(DomainErrors.alreadyMember());
      await tx.activity.record({
        userId: input.actorId,
        action: 'group_add',
        detail: `group=${input.groupId} user=${input.userId}`,
        at: now,
      });
      return ok({ group: group.value });
    });
  }
}

/** An admin removes another member from the group. */
export class RemoveFromGroup {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async execute(input: GroupMemberChangeInput): Promise<Result<{ group: Group }, DomainError>> {
    if (input.userId === input.actorId) return fail(DomainErrors.invalidInput('Cannot remove yourself: use LEAVE_GROUP'));
    return this.unitOfWork.run(async (tx) => {
      const group = await groupAdministeredBy(tx, input.groupId, input.actorId);
      if (!group.ok) return group;
      if (!(await tx.groups.removeMember(input.groupId, input.userId))) return fail(DomainErrors.userNotFound());
      await tx.activity.record({
        userId: input.actorId,
        action: 'group_remove',
        detail: `group=${input.groupId} user=${input.userId}`,
        at: this.clock.now(),
      });
      return ok({ group: group.value });
    });
  }
}
