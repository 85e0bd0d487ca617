import { DomainErrors, fail, ok, type DomainError, type Result, type UserId } from '../../domain';
import type { Clock, UnitOfWork } from '../ports';

export interface UnfriendInput {
  readonly userId: UserId;
  readonly friendId: UserId;
}

export class Unfriend {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async execute(input: UnfriendInput): Promise<Result<void, DomainError>> {
    return this.unitOfWork.run(async (tx) => {
      if (!(await tx.friendships.remove(input.userId, input.friendId))) return fail(DomainErrors.notFriends());
      await tx.activity.record({ userId: input.userId, action: 'unfriend', detail: `friend=${input.friendId}`, at: this.clock.now() });
      return ok(undefined);
    });
  }
}
