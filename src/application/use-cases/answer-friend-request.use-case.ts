import { DomainErrors, fail, ok, type DomainError, type FriendRequest, type FriendRequestId, type Result, type UserId } from '../../domain';
import type { Clock, UnitOfWork } from '../ports';

export interface AnswerFriendRequestInput {
  readonly userId: UserId;
  readonly requestId: FriendRequestId;
  readonly answer: 'accept' | 'reject';
}

/** Accepts or rejects a pending request addressed to the caller; of two racing answers one wins. */
export class AnswerFriendRequest {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async execute(input: AnswerFriendRequestInput): Promise<Result<{ request: FriendRequest }, DomainError>> {
    return this.unitOfWork.run(async (tx) => {
      const now = this.clock.now();
      const outcome = input.answer === 'accept' ? 'accepted' : 'rejected';
      const request = await tx.friendRequests.resolve(input.requestId, input.userId, outcome, now);
      if (!request) return fail(DomainErrors.requestNotFound());
      if (outcome === 'accepted') await tx.friendships.add(request.senderId, request.receiverId, now);
      await tx.activity.record({
        userId: input.userId,
        action: outcome === 'accepted' ? 'friend_accept' : 'friend_reject',
        detail: `request=${request.id} from=${request.senderId}`,
        at: now,
      });
      return ok({ request });
    });
  }
}
