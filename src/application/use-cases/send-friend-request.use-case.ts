import { DomainErrors, Username, fail, ok, type DomainError, type FriendRequestId, type Result, type UserRef } from '../../domain';
import { describeError } from '../services/describe-error';
import type { Clock, Delivery, Logger, Repositories, UnitOfWork } from '../ports';

export interface SendFriendRequestInput {
  readonly sender: UserRef;
  readonly targetUsername: string;
}

export class SendFriendRequest {
  constructor(
    private readonly repositories: Repositories,
    private readonly unitOfWork: UnitOfWork,
    private readonly delivery: Delivery,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async execute(input: SendFriendRequestInput): Promise<Result<{ requestId: FriendRequestId }, DomainError>> {
    const username = Username.create(input.targetUsername);
    if (!username.ok) return username;
    const target = await this.repositories.accounts.findByUsername(username.value.value);
    if (!target) return fail(DomainErrors.userNotFound());
    if (target.id === input.sender.id) return fail(DomainErrors.invalidInput('Cannot befriend yourself'));

    const outcome = await this.unitOfWork.run(async (tx) => {
      // A block either way (PROTOCOL.md §10), before the conflicts: the same answer as SEND_MESSAGE's.
      if (await tx.safety.isBlockedEitherWay(input.sender.id, target.id)) return fail(DomainErrors.cannotMessage());
      if (await tx.friendships.exists(input.sender.id, target.id)) return fail(DomainErrors.alreadyFriends());
      const now = this.clock.now();
      const request = await tx.friendRequests.createPending(input.sender.id, target.id, now);
      if (request === 'already-pending') return fail(DomainErrors.requestPending());
      await tx.activity.record({ userId: input.sender.id, action: 'friend_request', detail: `to=${target.id}`, at: now });
      return ok(request);
    });
    if (!outcome.ok) return outcome;
    const request = outcome.value;
    this.delivery
      .push(target.id, {
        kind: 'friend-request',
        requestId: request.id,
        senderId: input.sender.id,
        senderUsername: input.sender.username,
        sentAt: request.createdAt,
      })
      .catch((error: unknown) => this.logger.error('friend request push failed', { error: describeError(error) }));
    return ok({ requestId: request.id });
  }
}
