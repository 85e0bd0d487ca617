import {
  DomainErrors,
  Password,
  Username,
  fail,
  ok,
  type DomainError,
  type Result,
  type UserId,
  type UserRef,
} from '../../domain';
import type { SessionStarter, StartedSession } from '../services/session-starter';
import type { Clock, LoginThrottle, PasswordHasher, Repositories } from '../ports';

export interface LogInInput {
  readonly connectionId: string;
  /** Who is logged in on this connection already, if anyone. */
  readonly currentUserId: UserId | null;
  readonly username: string;
  readonly password: string;
  /** Where the attempt came from, for the activity log. */
  readonly remoteAddress?: string;
}

export type LogInOutput = StartedSession;

export class LogIn {
  constructor(
    private readonly repositories: Repositories,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly sessions: SessionStarter,
    private readonly clock: Clock,
  ) {}

  async execute(input: LogInInput): Promise<Result<LogInOutput, DomainError>> {
    if (input.currentUserId !== null) return fail(DomainErrors.alreadyLoggedIn());
    const key = Username.keyOf(input.username);
    // Counted as a failure until proven right, so a burst of parallel guesses cannot
    // all get past the check before the first of them fails.
    if (!(await this.throttle.admit(key))) return fail(DomainErrors.tooManyAttempts());

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
    await this.throttle.succeeded(key);
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
    return ok(await this.sessions.start(user, input.connectionId, 'login', input.remoteAddress));
  }
}
