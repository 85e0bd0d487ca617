import {
  DomainErrors,
  fail,
  ok,
  type DomainError,
  type FriendRequest,
  type FriendRequestId,
  type Result,
  type UserRef,
} from '../../domain';
import { describeError } from '../services/describe-error';
import type { Clock, Delivery, Logger, UnitOfWork } from '../ports';

export interface AnswerFriendRequestInput {
  /** The receiver of the request, answering it. */
  readonly user: UserRef;
  readonly requestId: FriendRequestId;
  readonly answer: 'accept' | 'reject';
}

/**
 * Accepts or rejects a pending request addressed to the caller; of two racing answers
 * one wins. The sender of an accepted request is told who accepted.
 */
export class AnswerFriendRequest {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly delivery: Delivery,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async execute(input: AnswerFriendRequestInput): Promise<Result<{ request: FriendRequest }, DomainError>> {
    const now = this.clock.now();
    const accept = input.answer === 'accept';
    const outcome = await this.unitOfWork.run(async (tx) => {
      const request = await tx.friendRequests.resolve(input.requestId, input.user.id, accept ? 'accepted' : 'rejected', now);
      if (!request) return fail(DomainErrors.requestNotFound());
      if (accept) await tx.friendships.add(request.senderId, request.receiverId, now);
      await tx.activity.record({
        userId: input.user.id,
        action: accept ? 'friend_accept' : 'friend_reject',
        detail: `request=${request.id} from=${request.senderId}`,
        at: now,
      });
      return ok({ request });
    });
    if (outcome.ok && accept) {
      this.delivery
        .push(outcome.value.request.senderId, {
          kind: 'friend-request-accepted',
          requestId: outcome.value.request.id,
          userId: input.user.id,
          username: input.user.username,
          acceptedAt: now,
        })
        .catch((error: unknown) => this.logger.error('accept push failed', { error: describeError(error) }));
    }
    return outcome;
  }
}
