import type { IncomingFriendRequest, UserId } from '../../domain';
import type { Repositories } from '../ports';

/** The pending requests addressed to the caller, oldest first (for a user who missed the pushes). */
export class GetFriendRequests {
  constructor(private readonly repositories: Repositories) {}

  execute(input: { readonly userId: UserId }): Promise<readonly IncomingFriendRequest[]> {
    return this.repositories.friendRequests.listPendingFor(input.userId);
  }
}
