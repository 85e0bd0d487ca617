import type { UserRef } from '../../domain';
import { PresenceAnnouncer } from '../services/presence-announcer';
import type { Clock, Presence, UnitOfWork } from '../ports';

export type SessionEndReason = 'logout' | 'disconnect';

export interface EndSessionInput {
  readonly user: UserRef;
  readonly connectionId: string;
  readonly sessionId: number;
  readonly reason: SessionEndReason;
  /** Why the connection ended (idle, ban, shutdown, ...), for the activity log. */
  readonly detail?: string;
  /** Session tokens that end with this session (LOGOUT of a connection that used or got them). */
  readonly revokeTokenIds?: readonly number[];
}

/** LOGOUT, or a logged-in connection that closed: the user goes offline with their last connection. */
export class EndSession {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly presence: Presence,
    private readonly announcer: PresenceAnnouncer,
    private readonly clock: Clock,
  ) {}

  async execute(input: EndSessionInput): Promise<void> {
    const { last } = await this.presence.detach(input.user.id, input.connectionId);
    await this.unitOfWork.run(async (tx) => {
      await tx.sessions.close(input.sessionId);
      if (input.revokeTokenIds && input.revokeTokenIds.length > 0) await tx.sessionTokens.revoke(input.revokeTokenIds);
      await tx.activity.record({
        userId: input.user.id,
        action: input.reason,
        detail: input.detail ?? null,
        at: this.clock.now(),
      });
    });
    if (last) await this.announcer.announceAfterCommit(input.user, 'offline');
  }
}
