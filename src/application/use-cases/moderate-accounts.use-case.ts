import {
  DomainErrors,
  fail,
  ok,
  type AccountStatus,
  type DomainError,
  type PresenceStatus,
  type Result,
  type UserId,
  type UserRef,
} from '../../domain';
import { PresenceAnnouncer } from '../services/presence-announcer';
import type { PendingDeliveries } from '../services/pending-deliveries';
import type { Clock, Delivery, Presence, PushEvent, Repositories, UnitOfWork } from '../ports';

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
      // A ban ends every reconnect the user's devices could make without a password.
      if (input.status === 'banned') await tx.sessionTokens.revokeAllOf(account.id);
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

/**
 * Sessions a node left behind are closed: this node's own at start (a crash), or,
 * in a cluster, those of a node that died. Users with no connection left anywhere
 * go offline for their friends.
 */
export class ClearStaleSessions {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly presence: Presence,
    private readonly announcePresence: AnnouncePresence,
    private readonly clock: Clock,
    private readonly nodeId: string,
  ) {}

  /** Returns how many sessions it closed. */
  async execute(nodeId: string = this.nodeId): Promise<number> {
    const detail = nodeId === this.nodeId ? 'server restart' : `node ${nodeId} lost`;
    const sessionUsers = await this.unitOfWork.run(async (tx) => {
      const ids = await tx.sessions.closeAllOfNode(nodeId);
      const at = this.clock.now();
      for (const userId of ids) await tx.activity.record({ userId, action: 'disconnect', detail, at });
      return ids;
    });
    const users = [...new Set(sessionUsers)];
    // A lone server starting after a crash has nobody online to tell.
    if (users.length === 0 || (await this.presence.onlineUsers()).length === 0) return sessionUsers.length;
    const stillOnline = await this.presence.onlineAmong(users);
    await this.announcePresence.execute(
      users.filter((id) => !stillOnline.has(id)),
      'offline',
    );
    return sessionUsers.length;
  }
}

/**
 * Tells the online friends of these users that they are online or offline: for
 * users whose node was lost, or whose node comes back after being counted dead.
 */
export class AnnouncePresence {
  constructor(
    private readonly repositories: Repositories,
    private readonly announcer: PresenceAnnouncer,
  ) {}

  async execute(userIds: readonly UserId[], status: PresenceStatus): Promise<void> {
    for (const userId of userIds) {
      const account = await this.repositories.accounts.findById(userId);
      if (account) await this.announcer.announce({ id: account.id, username: account.username }, status);
    }
  }
}

/**
 * Records a message push as delivered to the users it reached. The transport's
 * node does it for pushes that came from another node's sender: the node that
 * writes a message to a socket is the one that records it.
 */
export class RecordDelivery {
  constructor(
    private readonly repositories: Repositories,
    private readonly pending: PendingDeliveries,
  ) {}

  /**
   * Call it as the pushes start: `reached` settles with the recipients they reached.
   * Until those are recorded, the recipients' offline fetches wait.
   */
  execute(event: PushEvent, recipients: readonly UserId[], reached: Promise<readonly UserId[]>): Promise<void> {
    const recorded = reached.then((userIds) => this.record(event, userIds));
    this.pending.track(recipients, recorded);
    return recorded;
  }

  private async record(event: PushEvent, userIds: readonly UserId[]): Promise<void> {
    if (userIds.length === 0) return;
    if (event.kind === 'direct-message') await this.repositories.messages.markDirectDelivered([event.messageId]);
    else if (event.kind === 'group-message') await this.repositories.messages.markGroupDelivered(event.messageId, userIds);
  }
}
