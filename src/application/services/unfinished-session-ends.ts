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

/**
 * Session ends that failed halfway (storage or presence away), kept to be finished
 * by the next sweep, so no session row stays open, and nobody stays online, for a
 * connection that is gone. In memory is enough: a node that dies with some is
 * cleaned up by its restart, or in a cluster by the node that reaps it.
 */
export class UnfinishedSessionEnds {
  private readonly ends = new Map<number, { readonly end: SessionEnd; readonly detached: boolean }>();

  /** `detached`: the connection has left presence already; only the stored session is left to close. */
  add(end: SessionEnd, detached: boolean): void {
    this.ends.set(end.sessionId, { end, detached });
  }

  /** Every unfinished end, handed over to be tried again (what fails again is added back). */
  takeAll(): { readonly end: SessionEnd; readonly detached: boolean }[] {
    const all = [...this.ends.values()];
    this.ends.clear();
    return all;
  }

  get size(): number {
    return this.ends.size;
  }
}
