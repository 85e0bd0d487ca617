import type { PresenceStatus, UserId, UserRef } from '../../domain';
import type { Presence, Repositories } from '../ports';

export interface FriendWithStatus extends UserRef {
  readonly status: PresenceStatus;
}

/** The caller's friends ordered by username, each with their presence. */
export class GetFriendList {
  constructor(
    private readonly repositories: Repositories,
    private readonly presence: Presence,
  ) {}

  async execute(input: { readonly userId: UserId }): Promise<readonly FriendWithStatus[]> {
    const friends = await this.repositories.friendships.listFriends(input.userId);
    const online = await this.presence.onlineAmong(friends.map((f) => f.id));
    return friends.map((f) => ({ id: f.id, username: f.username, status: online.has(f.id) ? 'online' : 'offline' }));
  }
}
