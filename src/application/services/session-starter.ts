import type { IncomingFriendRequest, UserRef } from '../../domain';
import type { Clock, Presence, Repositories, UnitOfWork } from '../ports';
import type { PresenceAnnouncer } from './presence-announcer';
import { ALL_SESSION_END_STEPS, type UnfinishedSessionEnds } from './unfinished-session-ends';

export interface StartedSession {
  readonly user: UserRef;
  readonly sessionId: number;
  /** Pending requests addressed to the user, oldest first: pushed right after the reply. */
  readonly pendingRequests: readonly IncomingFriendRequest[];
}

/**
 * What every way of logging in does once the user is known (LOGIN with a password,
 * RESUME with a token): store the session, mark the connection online, tell friends
 * when it is the user's first, and list what waits for them.
 */
export class SessionStarter {
  constructor(
    private readonly repositories: Repositories,
    private readonly unitOfWork: UnitOfWork,
    private readonly presence: Presence,
    private readonly announcer: PresenceAnnouncer,
    private readonly clock: Clock,
    private readonly nodeId: string,
    private readonly unfinished: UnfinishedSessionEnds,
  ) {}

  async start(user: UserRef, connectionId: string, how: 'login' | 'resume', remoteAddress?: string): Promise<StartedSession> {
    const sessionId = await this.unitOfWork.run(async (tx) => {
      const now = this.clock.now();
      const id = await tx.sessions.open({ userId: user.id, connectionId, nodeId: this.nodeId, createdAt: now });
      await tx.activity.record({
        userId: user.id,
        action: how,
        detail: remoteAddress ? `from=${remoteAddress}` : null,
        at: now,
      });
      return id;
    });
    let first: boolean;
    let pendingRequests: readonly IncomingFriendRequest[];
    try {
      ({ first } = await this.presence.attach(user.id, connectionId));
      // Listed after attaching, so a request sent meanwhile is pushed if it is not listed.
      pendingRequests = await this.repositories.friendRequests.listPendingFor(user.id);
    } catch (error) {
      // The client is told 500 and stays logged out: nothing may stay online in its name.
      await this.undo(user, connectionId, sessionId);
      throw error;
    }
    if (first) await this.announcer.announceAfterCommit(user, 'online');
    return { user, sessionId, pendingRequests };
  }

  /** Nothing went out yet, so nobody is told; what cannot be undone now is finished by the next sweep. */
  private async undo(user: UserRef, connectionId: string, sessionId: number): Promise<void> {
    try {
      await this.presence.detach(user.id, connectionId);
      await this.unitOfWork.run((tx) => tx.sessions.close(sessionId));
    } catch {
      // The caller reports the first failure; this one is retried.
      this.unfinished.add({ user, connectionId, sessionId, reason: 'disconnect', detail: 'login failed' }, ALL_SESSION_END_STEPS);
    }
  }
}
