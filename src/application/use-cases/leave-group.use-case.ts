import {
  DomainErrors,
  fail,
  ok,
  successorAfterLeaving,
  type DomainError,
  type Group,
  type GroupId,
  type Result,
  type UserId,
  type UserRef,
} from '../../domain';
import type { MembershipAnnouncer } from '../services/membership-announcer';
import type { Clock, UnitOfWork } from '../ports';

export interface LeaveGroupInput {
  readonly user: UserRef;
  readonly groupId: GroupId;
}

export interface LeaveGroupOutput {
  readonly group: Group;
  /** The member who became admin because the last admin left, if any. */
  readonly newAdminId: UserId | null;
}

/** A member leaves; when the last admin leaves, the longest-standing member becomes admin. */
export class LeaveGroup {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly announcer: MembershipAnnouncer,
    private readonly clock: Clock,
  ) {}

  async execute(input: LeaveGroupInput): Promise<Result<LeaveGroupOutput, DomainError>> {
    const outcome = await this.unitOfWork.run(async (tx): Promise<Result<LeaveGroupOutput, DomainError>> => {
      const group = await tx.groups.findById(input.groupId);
      if (!group || !(await tx.groups.removeMember(group.id, input.user.id))) return fail(DomainErrors.groupNotFound());
      const now = this.clock.now();
      await tx.activity.record({ userId: input.user.id, action: 'group_leave', detail: `group=${group.id}`, at: now });
      const successor = successorAfterLeaving(await tx.groups.listMembers(group.id));
      if (successor) {
        await tx.groups.setRole(group.id, successor.userId, 'admin');
        await tx.activity.record({ userId: successor.userId, action: 'group_admin', detail: `group=${group.id}`, at: now });
      }
      return ok({ group, newAdminId: successor?.userId ?? null });
    });
    if (outcome.ok) await this.announcer.announce(outcome.value.group, input.user, 'left');
    return outcome;
  }
}
