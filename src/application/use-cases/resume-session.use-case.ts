import { DomainErrors, Username, fail, ok, type Account, type DomainError, type Result, type UserId } from '../../domain';
import type { SessionStarter, StartedSession } from '../services/session-starter';
import type { Clock, LoginThrottle, Repositories, SecretTokens } from '../ports';

export interface ResumeSessionInput {
  readonly connectionId: string;
  /** Who is logged in on this connection already, if anyone. */
  readonly currentUserId: UserId | null;
  readonly username: string;
  readonly token: string;
  readonly remoteAddress?: string;
  /** The transport's per-address failure limit is reached for this address. */
  readonly addressBlocked?: boolean;
}

export interface ResumeSessionOutput extends StartedSession {
  /** The token used: LOGOUT on this connection revokes it. */
  readonly tokenId: number;
}

/**
 * RESUME (1022): LOGIN with a session token instead of a password, so it costs one
 * indexed look-up and no password hash. Failures count with LOGIN's, but a valid
 * token is never refused for them: a device the user trusted is not locked out by
 * someone else's guesses on the same name or address.
 */
export class ResumeSession {
  constructor(
    private readonly repositories: Repositories,
    private readonly secrets: SecretTokens,
    private readonly throttle: LoginThrottle,
    private readonly sessions: SessionStarter,
    private readonly clock: Clock,
  ) {}

  async execute(input: ResumeSessionInput): Promise<Result<ResumeSessionOutput, DomainError>> {
    if (input.currentUserId !== null) return fail(DomainErrors.alreadyLoggedIn());
    const found = await this.findToken(input.username, input.token);
    if (!found) {
      const key = Username.keyOf(input.username);
      if (input.addressBlocked === true || !(await this.throttle.admit(key))) return fail(DomainErrors.tooManyAttempts());
      await this.repositories.activity.record({ userId: null, action: 'resume_failed', detail: null, at: this.clock.now() });
      return fail(DomainErrors.invalidCredentials());
    }
    const { account, tokenId } = found;
    if (account.isBanned) {
      await this.repositories.activity.record({
        userId: account.id,
        action: 'resume_failed',
        detail: 'banned',
        at: this.clock.now(),
      });
      return fail(DomainErrors.accountBanned());
    }
    const user = { id: account.id, username: account.username };
    const started = await this.sessions.start(user, input.connectionId, 'resume', input.remoteAddress);
    return ok({ ...started, tokenId });
  }

  /** The account a live token of this user names; null for anything else, whatever the reason. */
  private async findToken(username: string, token: string): Promise<{ account: Account; tokenId: number } | null> {
    if (!Username.create(username).ok || !this.secrets.isWellFormed(token)) return null;
    const hash = this.secrets.hash(token);
    const stored = await this.repositories.sessionTokens.findByHash(hash);
    if (!stored || !this.secrets.sameHash(stored.tokenHash, hash) || stored.expiresAt <= this.clock.now()) return null;
    const account = await this.repositories.accounts.findById(stored.userId);
    if (!account || Username.keyOf(account.username) !== Username.keyOf(username)) return null;
    return { account, tokenId: stored.id };
  }
}
