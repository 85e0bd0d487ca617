import { PresenceAnnouncer } from '../services/presence-announcer';
import type { SessionEnd, UnfinishedSessionEnds } from '../services/unfinished-session-ends';
import { describeError } from '../services/describe-error';
import type { Clock, Logger, Presence, UnitOfWork } from '../ports';

export type { SessionEndReason } from '../services/unfinished-session-ends';
export type EndSessionInput = SessionEnd;

/**
 * LOGOUT, or a logged-in connection that closed: the user goes offline with their
 * last connection. An end that fails halfway is kept and finished by
 * `finishUnfinished`, which the server runs every few seconds.
 */
export class EndSession {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly presence: Presence,
    private readonly announcer: PresenceAnnouncer,
    private readonly clock: Clock,
    private readonly unfinished: UnfinishedSessionEnds,
    private readonly logger: Logger,
  ) {}

  /**
   * Never rejects: the connection is logged out either way, and a step that failed
   * is logged and finished by the next sweep.
   */
  async execute(input: EndSessionInput): Promise<void> {
    try {
      await this.end(input, false);
    } catch (error) {
      this.logger.error('ending a session failed; it is finished later', {
        sessionId: input.sessionId,
        error: describeError(error),
      });
    }
  }

  /** Tries again every end that failed; resolves with how many are still unfinished. */
  async finishUnfinished(): Promise<number> {
    for (const { end, detached } of this.unfinished.takeAll()) {
      // A failure puts it back for the next round.
      await this.end(end, detached).catch(() => undefined);
    }
    return this.unfinished.size;
  }

  private async end(input: SessionEnd, detached: boolean): Promise<void> {
    if (!detached) {
      let last: boolean;
      try {
        ({ last } = await this.presence.detach(input.user.id, input.connectionId));
      } catch (error) {
        this.unfinished.add(input, false);
        throw error;
      }
      // Friends hear of it even when the stored session cannot be closed yet.
      if (last) await this.announcer.announceAfterCommit(input.user, 'offline');
    }
    try {
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
    } catch (error) {
      this.unfinished.add(input, true);
      throw error;
    }
  }
}
