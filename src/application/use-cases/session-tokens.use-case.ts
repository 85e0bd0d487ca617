import { DomainErrors, fail, ok, type DomainError, type Result, type UserId, type UserRef } from '../../domain';
import type { Clock, Repositories, SecretTokens, SessionToken } from '../ports';

/** How session tokens live (PROTOCOL.md §8). */
export interface SessionTokenPolicy {
  /** How long a token stays valid, in ms (default 30 days). */
  readonly ttlMs: number;
  /** Live tokens a user may hold; a new one past it evicts the oldest (default 20). */
  readonly maxPerUser: number;
}

export const DEFAULT_SESSION_TOKEN_POLICY: SessionTokenPolicy = { ttlMs: 30 * 24 * 60 * 60_000, maxPerUser: 20 };

export interface IssuedSessionToken {
  /** Handed to the client once; only its hash is stored. */
  readonly token: string;
  readonly tokenId: number;
  readonly expiresAt: number;
}

/** SESSION_TOKEN (1021): a new token for the logged-in user. */
export class IssueSessionToken {
  constructor(
    private readonly repositories: Repositories,
    private readonly secrets: SecretTokens,
    private readonly clock: Clock,
    private readonly policy: SessionTokenPolicy,
  ) {}

  async execute(input: { readonly userId: UserId }): Promise<IssuedSessionToken> {
    const token = this.secrets.generate();
    const now = this.clock.now();
    const expiresAt = now + this.policy.ttlMs;
    const tokenId = await this.repositories.sessionTokens.issue(
      { userId: input.userId, tokenHash: this.secrets.hash(token), createdAt: now, expiresAt },
      this.policy.maxPerUser,
      now,
    );
    return { token, tokenId, expiresAt };
  }
}

/** A user's live tokens as the operator sees them: never the token or its hash. */
export interface SessionTokenSummary {
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** The operator's view of a user's tokens, and revoking them all. */
export class ManageSessionTokens {
  constructor(
    private readonly repositories: Repositories,
    private readonly clock: Clock,
  ) {}

  async list(input: { readonly username: string }): Promise<
    Result<{ user: UserRef; tokens: SessionTokenSummary[] }, DomainError>
  > {
    const account = await this.repositories.accounts.findByUsername(input.username);
    if (!account) return fail(DomainErrors.userNotFound());
    const live = await this.repositories.sessionTokens.listLive(account.id, this.clock.now());
    return ok({ user: { id: account.id, username: account.username }, tokens: live.map(summary) });
  }

  async revokeAll(input: { readonly username: string }): Promise<Result<{ user: UserRef; revoked: number }, DomainError>> {
    const account = await this.repositories.accounts.findByUsername(input.username);
    if (!account) return fail(DomainErrors.userNotFound());
    const revoked = await this.repositories.sessionTokens.revokeAllOf(account.id);
    return ok({ user: { id: account.id, username: account.username }, revoked });
  }
}

const summary = (token: SessionToken): SessionTokenSummary => ({ createdAt: token.createdAt, expiresAt: token.expiresAt });
