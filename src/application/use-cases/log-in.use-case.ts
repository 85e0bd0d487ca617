import {
  DomainErrors,
  Password,
  Username,
  fail,
  ok,
  type DomainError,
  type IncomingFriendRequest,
  type Result,
  type UserId,
  type UserRef,
} from '../../domain';
import { PresenceAnnouncer } from '../services/presence-announcer';
import type { Clock, LoginThrottle, PasswordHasher, Presence, Repositories, UnitOfWork } from '../ports';

export interface LogInInput {
  readonly connectionId: string;
  /** Who is logged in on this connection already, if anyone. */
  readonly currentUserId: UserId | null;
  readonly username: string;
  readonly password: string;
  /** Where the attempt came from, for the activity log. */
  readonly remoteAddress?: string;
}

export interface LogInOutput {
  readonly user: UserRef;
  readonly sessionId: number;
  /** Pending requests addressed to the user, oldest first: pushed right after the reply. */
  readonly pendingRequests: readonly IncomingFriendRequest[];
}

export class LogIn {
  constructor(
    private readonly repositories: Repositories,
    private readonly unitOfWork: UnitOfWork,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly presence: Presence,
    private readonly announcer: PresenceAnnouncer,
    private readonly clock: Clock,
    private readonly nodeId: string,
  ) {}

  async execute(input: LogInInput): Promise<Result<LogInOutput, DomainError>> {
    if (input.currentUserId !== null) return fail(DomainErrors.alreadyLoggedIn());
    const key = Username.keyOf(input.username);
    if (this.throttle.isBlocked(key)) return fail(DomainErrors.tooManyAttempts());
    // Counted as a failure until proven right, so a burst of parallel guesses cannot
    // all get past the check above before the first of them fails.
    this.throttle.recordFailure(key);

    // A name or password that breaks the rules cannot match an account: same answer, same cost.
    const wellFormed = Username.create(input.username).ok && Password.create(input.password).ok;
    const account = wellFormed ? await this.repositories.accounts.findByUsername(input.username) : null;
    const matches = await this.hasher.verify(input.password, account?.passwordHash ?? null);
    if (!account || !matches) {
      await this.repositories.activity.record({
        userId: account?.id ?? null,
        action: 'login_failed',
        detail: wellFormed ? `username=${input.username}` : 'malformed credentials',
        at: this.clock.now(),
      });
      return fail(DomainErrors.invalidCredentials());
    }
    this.throttle.reset(key);
    if (account.isBanned) {
      await this.repositories.activity.record({
        userId: account.id,
        action: 'login_failed',
        detail: 'banned',
        at: this.clock.now(),
      });
      return fail(DomainErrors.accountBanned());
    }

    const user: UserRef = { id: account.id, username: account.username };
    const sessionId = await this.unitOfWork.run(async (tx) => {
      const now = this.clock.now();
      const id = await tx.sessions.open({
        userId: user.id,
        connectionId: input.connectionId,
        nodeId: this.nodeId,
        createdAt: now,
      });
      await tx.activity.record({
        userId: user.id,
        action: 'login',
        detail: input.remoteAddress ? `from=${input.remoteAddress}` : null,
        at: now,
      });
      return id;
    });
    const { first } = await this.presence.attach(user.id, input.connectionId);
    if (first) await this.announcer.announce(user, 'online');
    const pendingRequests = await this.repositories.friendRequests.listPendingFor(user.id);
    return ok({ user, sessionId, pendingRequests });
  }
}
