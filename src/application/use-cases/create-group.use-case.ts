import { GroupName, ok, type DomainError, type GroupId, type Result, type UserId } from '../../domain';
import type { Clock, UnitOfWork } from '../ports';

export interface CreateGroupInput {
  readonly userId: UserId;
  readonly name: string;
}

/** A new group with the caller as its first admin. */
export class CreateGroup {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async execute(input: CreateGroupInput): Promise<Result<{ groupId: GroupId; name: string }, DomainError>> {
    const name = GroupName.create(input.name);
    if (!name.ok) return name;
    return this.unitOfWork.run(async (tx) => {
      const now = this.clock.now();
      const group = await tx.groups.create(name.value.value, input.userId, now);
      await tx.activity.record({ userId: input.userId, action: 'group_create', detail: `group=${group.id}`, at: now });
      return ok({ groupId: group.id, name: group.name });
    });
  }
}
