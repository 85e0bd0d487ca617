import {
  DomainErrors,
  ReportReason,
  fail,
  ok,
  parsePrivacy,
  type DomainError,
  type Result,
  type UserId,
  type UserRef,
} from '../../domain';
import type { Clock, Repositories, UnitOfWork } from '../ports';

/** Reports one user may make within a rolling window (PROTOCOL.md §10: 20 a day). */
export const REPORT_LIMIT = { max: 20, windowMs: 24 * 60 * 60 * 1000 } as const;

export interface BlockUserInput {
  readonly userId: UserId;
  readonly blockedId: UserId;
}

/**
 * BLOCK_USER (1028). In one unit of work: the block, the end of any pending friend
 * request between the two (rejected, whichever way it went) and of their friendship,
 * and the activity entry. Presence stops by itself: status updates only go to friends.
 * Nothing is pushed to the blocked user. Blocking again changes nothing.
 *
 * The request is answered before the friendship is removed: an acceptance racing the
 * block either loses the request to it, or has committed its friendship by the time
 * the block removes it.
 */
export class BlockUser {
  constructor(
    private readonly repositories: Repositories,
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  /** `changed`: false when the block was there already. */
  async execute(input: BlockUserInput): Promise<Result<{ changed: boolean }, DomainError>> {
    if (input.blockedId === input.userId) return fail(DomainErrors.invalidInput('Cannot block yourself'));
    if (!(await this.repositories.accounts.findById(input.blockedId))) return fail(DomainErrors.userNotFound());
    const now = this.clock.now();
    return this.unitOfWork.run(async (tx) => {
      // First: the block's row, so that (on MySQL) a friend request being sent right now has either committed,
      // and is found below, or sees this block.
      if (!(await tx.safety.block(input.userId, input.blockedId, now))) return ok({ changed: false });
      const pending = await tx.friendRequests.findPendingBetween(input.userId, input.blockedId);
      if (pending) await tx.friendRequests.resolve(pending.id, pending.receiverId, 'rejected', now);
      await tx.friendships.remove(input.userId, input.blockedId);
      await tx.activity.record({ userId: input.userId, action: 'block', detail: `user=${input.blockedId}`, at: now });
      return ok({ changed: true });
    });
  }
}

/**
 * UNBLOCK_USER (1029). What the block ended stays ended (no friendship comes back);
 * messages the blocked user sent that were never handed out are handed out again.
 */
export class UnblockUser {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async execute(input: BlockUserInput): Promise<Result<void, DomainError>> {
    if (input.blockedId === input.userId) return fail(DomainErrors.invalidInput('Cannot unblock yourself'));
    return this.unitOfWork.run(async (tx) => {
      if (!(await tx.safety.unblock(input.userId, input.blockedId))) return fail(DomainErrors.notBlocked());
      const at = this.clock.now();
      await tx.activity.record({ userId: input.userId, action: 'unblock', detail: `user=${input.blockedId}`, at });
      return ok(undefined);
    });
  }
}

/** GET_BLOCKED (1030): the users the caller has blocked, ordered by username. */
export class GetBlocked {
  constructor(private readonly repositories: Repositories) {}

  execute(input: { readonly userId: UserId }): Promise<UserRef[]> {
    return this.repositories.safety.listBlocked(input.userId);
  }
}

/**
 * SET_PRIVACY (1031): `everyone` or `friends`. With `friends`, SEND_MESSAGE from anyone
 * but a friend is refused exactly as a block refuses it; friend requests stay open.
 */
export class SetPrivacy {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async execute(input: { readonly userId: UserId; readonly privacy: string }): Promise<Result<void, DomainError>> {
    const privacy = parsePrivacy(input.privacy);
    if (privacy === null) return fail(DomainErrors.invalidInput('Privacy must be everyone or friends'));
    return this.unitOfWork.run(async (tx) => {
      if (await tx.safety.setPrivacy(input.userId, privacy)) {
        await tx.activity.record({ userId: input.userId, action: 'privacy', detail: `privacy=${privacy}`, at: this.clock.now() });
      }
      return ok(undefined);
    });
  }
}

export interface ReportUserInput {
  readonly reporterId: UserId;
  readonly reportedId: UserId;
  readonly reason: string;
}

/**
 * REPORT_USER (1032): stored for the operator with its time and reporter, at most
 * REPORT_LIMIT.max per reporter within REPORT_LIMIT.windowMs. The reason goes to the
 * reports table only: never into the activity log or a log line.
 */
export class ReportUser {
  constructor(
    private readonly repositories: Repositories,
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async execute(input: ReportUserInput): Promise<Result<{ reportId: number }, DomainError>> {
    const reason = ReportReason.create(input.reason);
    if (!reason.ok) return reason;
    if (input.reportedId === input.reporterId) return fail(DomainErrors.invalidInput('Cannot report yourself'));
    if (!(await this.repositories.accounts.findById(input.reportedId))) return fail(DomainErrors.userNotFound());
    const now = this.clock.now();
    const report = { reporterId: input.reporterId, reportedId: input.reportedId, reason: reason.value.value, createdAt: now };
    return this.unitOfWork.run(async (tx) => {
      const id = await tx.safety.addReport(report, { max: REPORT_LIMIT.max, since: now - REPORT_LIMIT.windowMs + 1 });
      if (id === 'limit-reached') return fail(DomainErrors.tooManyReports());
      await tx.activity.record({
        userId: input.reporterId,
        action: 'report',
        detail: `report=${id} user=${input.reportedId}`,
        at: now,
      });
      return ok({ reportId: id });
    });
  }
}
