import type { PresenceStatus, UserRef } from '../../domain';
import { describeError } from './describe-error';
import type { Delivery, FriendshipRepository, Logger, Presence } from '../ports';

/** Tells a user's online friends that the user came online or went offline. */
export class PresenceAnnouncer {
  constructor(
    private readonly friendships: FriendshipRepository,
    private readonly presence: Presence,
    private readonly delivery: Delivery,
    private readonly logger: Logger,
  ) {}

  /**
   * For a change already stored (a login, a logout): a failed announcement is logged,
   * never turned into a failure of the change the client is told succeeded.
   */
  async announceAfterCommit(user: UserRef, status: PresenceStatus): Promise<void> {
    try {
      await this.announce(user, status);
    } catch (error) {
      this.logger.error('presence announcement failed', { status, error: describeError(error) });
    }
  }

  async announce(user: UserRef, status: PresenceStatus): Promise<void> {
    const friends = await this.friendships.listFriends(user.id);
    if (friends.length === 0) return;
    const online = await this.presence.onlineAmong(friends.map((f) => f.id));
    for (const friendId of online) {
      this.delivery
        .push(friendId, { kind: 'presence', userId: user.id, username: user.username, status })
        .catch((error: unknown) => this.logger.error('presence push failed', { error: describeError(error) }));
    }
  }
}
