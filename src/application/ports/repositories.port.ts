import type { AccountRepository } from './account-repository.port';
import type { ActivityLog } from './activity-log.port';
import type { ConversationRepository } from './conversation-repository.port';
import type { FriendRequestRepository } from './friend-request-repository.port';
import type { FriendshipRepository } from './friendship-repository.port';
import type { GroupRepository } from './group-repository.port';
import type { MessageRepository } from './message-repository.port';
import type { OperatorReports } from './operator-reports.port';
import type { SafetyRepository } from './safety-repository.port';
import type { SessionRepository } from './session-repository.port';
import type { SessionTokenRepository } from './session-token-repository.port';

/** Every repository, as one storage engine provides them. */
export interface Repositories {
  readonly accounts: AccountRepository;
  readonly friendRequests: FriendRequestRepository;
  readonly friendships: FriendshipRepository;
  readonly groups: GroupRepository;
  readonly messages: MessageRepository;
  /** History, read state and the inbox over the stored messages. */
  readonly conversations: ConversationRepository;
  readonly sessions: SessionRepository;
  readonly sessionTokens: SessionTokenRepository;
  readonly activity: ActivityLog;
  /** Blocks, privacy settings and abuse reports (PROTOCOL.md §10). */
  readonly safety: SafetyRepository;
  /** Read-only reports for the operator's tool. */
  readonly reports: OperatorReports;
}

/** Runs work in one transaction: all its writes are stored, or none. */
export interface UnitOfWork {
  run<T>(work: (repositories: Repositories) => Promise<T>): Promise<T>;
}

/** A storage engine: its repositories, transactions over them, whether it answers, and how to let it go. */
export interface Storage {
  readonly repositories: Repositories;
  readonly unitOfWork: UnitOfWork;
  /** Resolves once the database has answered a trivial query; rejects when it cannot (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
