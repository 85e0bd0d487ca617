import { DomainErrors, fail, ok, type AccountStatus, type DomainError, type Result, type UserRef } from '../../domain';
import type { Clock, Delivery, Presence, Repositories, UnitOfWork } from '../ports';

/** Bans or unbans an account by name (the operator's tool). */
export class SetAccountStatus {
  constructor(
    private readonly repositories: Repositories,
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
  ) {}

  async execute(input: { readonly username: string; readonly status: AccountStatus }): Promise<
    Result<{ user: UserRef; changed: boolean }, DomainError>
  > {
    const account = await this.repositories.accounts.findByUsername(input.username);
    if (!account) return fail(DomainErrors.userNotFound());
    const user = { id: account.id, username: account.username };
    if (account.status === input.status) return ok({ user, changed: false });
    await this.unitOfWork.run(async (tx) => {
      await tx.accounts.setStatus(account.id, input.status);
      await tx.activity.record({
        userId: account.id,
        action: input.status === 'banned' ? 'ban' : 'unban',
        detail: null,
        at: this.clock.now(),
      });
    });
    return ok({ user, changed: true });
  }
}

/** Closes the connections of online users whose accounts are banned (run every few seconds). */
export class EnforceBans {
  constructor(
    private readonly repositories: Repositories,
    private readonly presence: Presence,
    private readonly delivery: Delivery,
  ) {}

  async execute(): Promise<number> {
    const online = await this.presence.onlineUsers();
    if (online.length === 0) return 0;
    const banned = await this.repositories.accounts.filterBanned(online);
    await Promise.all(banned.map((id) => this.delivery.disconnectUser(id)));
    return banned.length;
  }
}

/** At start: sessions a crash left behind for this node are closed, their users offline. */
export class ClearStaleSessions {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly clock: Clock,
    private readonly nodeId: string,
  ) {}

  async execute(): Promise<number> {
    return this.unitOfWork.run(async (tx) => {
      const users = await tx.sessions.closeAllOfNode(this.nodeId);
      const at = this.clock.now();
      for (const userId of users) {
        await tx.activity.record({ userId, action: 'disconnect', detail: 'server restart', at });
      }
      return users.length;
    });
  }
}
