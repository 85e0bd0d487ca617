import { PresenceAnnouncer } from '../services/presence-announcer';
import {
  ALL_SESSION_END_STEPS,
  type SessionEnd,
  type SessionEndSteps,
  type UnfinishedSessionEnds,
} from '../services/unfinished-session-ends';
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
      await this.end(input, ALL_SESSION_END_STEPS);
    } catch (error) {
      this.logger.error('ending a session failed; it is finished later', {
        sessionId: input.sessionId,
        error: describeError(error),
      });
    }
  }

  /** Tries again every end that failed; resolves with how many are still unfinished. */
  async finishUnfinished(): Promise<number> {
    for (const { end, steps } of this.unfinished.takeAll()) {
      // A failure puts it back for the next round.
      await this.end(end, steps).catch(() => undefined);
    }
    return this.unfinished.size;
  }

  /** Does the steps left; what fails is kept for the sweep, and the first failure rethrown. */
  private async end(input: SessionEnd, steps: SessionEndSteps): Promise<void> {
    let { detach, announce, close } = steps;
    if (detach) {
      try {
        ({ last: announce } = await this.presence.detach(input.user.id, input.connectionId));
        detach = false;
      } catch (error) {
        this.unfinished.add(input, { detach, announce, close });
        throw error;
      }
    }
    let failure: unknown = null;
    // Friends hear of it even when the stored session cannot be closed yet, and the other way round.
    if (announce) {
      try {
        await this.announcer.announce(input.user, 'offline');
        announce = false;
      } catch (error) {
        failure = error;
      }
    }
    if (close) {
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
        close = false;
      } catch (error) {
        failure ??= error;
      }
    }
    if (announce || close) {
      this.unfinished.add(input, { detach, announce, close });
      throw failure;
    }
  }
}
