import type { UserRef } from '../../domain';

export type SessionEndReason = 'logout' | 'disconnect';

export interface SessionEnd {
  readonly user: UserRef;
  readonly connectionId: string;
  readonly sessionId: number;
  readonly reason: SessionEndReason;
  /** Why the connection ended (idle, ban, shutdown, ...), for the activity log. */
  readonly detail?: string;
  /** Session tokens that end with this session (LOGOUT of a connection that used or got them). */
  readonly revokeTokenIds?: readonly number[];
}

/** The steps of a session end still to do. */
export interface SessionEndSteps {
  /** Take the connection out of presence. */
  readonly detach: boolean;
  /** Tell the user's friends they went offline (known once detached: the last connection). */
  readonly announce: boolean;
  /** Close the stored session (and revoke its tokens, for a LOGOUT). */
  readonly close: boolean;
}

export const ALL_SESSION_END_STEPS: SessionEndSteps = { detach: true, announce: false, close: true };

/**
 * Session ends that failed halfway (storage or presence away), kept to be finished
 * by the next sweep, so no session row stays open, nobody stays online, and no
 * friend goes untold, for a connection that is gone. In memory is enough: a node
 * that dies with some is cleaned up by its restart, or in a cluster by the node
 * that reaps it.
 */
export class UnfinishedSessionEnds {
  private readonly ends = new Map<number, { readonly end: SessionEnd; readonly steps: SessionEndSteps }>();

  add(end: SessionEnd, steps: SessionEndSteps): void {
    this.ends.set(end.sessionId, { end, steps });
  }

  /** Every unfinished end, handed over to be tried again (what fails again is added back). */
  takeAll(): { readonly end: SessionEnd; readonly steps: SessionEndSteps }[] {
    const all = [...this.ends.values()];
    this.ends.clear();
    return all;
  }

  get size(): number {
    return this.ends.size;
  }
}
