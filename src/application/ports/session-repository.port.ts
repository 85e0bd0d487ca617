import type { Timestamp, UserId } from '../../domain';

export interface NewSession {
  readonly userId: UserId;
  readonly connectionId: string;
  readonly nodeId: string;
  readonly createdAt: Timestamp;
}

/** Logged-in connections as stored, so a restart can clear what a crash left behind. */
export interface SessionRepository {
  open(session: NewSession): Promise<number>;
  close(sessionId: number): Promise<void>;
  /** Removes every session of a node; returns the users they belonged to. */
  closeAllOfNode(nodeId: string): Promise<UserId[]>;
}
