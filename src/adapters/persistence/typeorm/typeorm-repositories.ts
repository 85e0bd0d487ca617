import type { Repositories } from '../../../application/ports';
import type { Executor } from './executor';
import { TypeOrmAccountRepository } from './repositories/typeorm-account.repository';
import { TypeOrmActivityLog } from './repositories/typeorm-activity-log.repository';
import { TypeOrmConversationRepository } from './repositories/typeorm-conversation.repository';
import { TypeOrmFriendRequestRepository } from './repositories/typeorm-friend-request.repository';
import { TypeOrmFriendshipRepository } from './repositories/typeorm-friendship.repository';
import { TypeOrmGroupRepository } from './repositories/typeorm-group.repository';
import { TypeOrmMessageRepository } from './repositories/typeorm-message.repository';
import { TypeOrmOperatorReports } from './repositories/typeorm-operator-reports.repository';
import { TypeOrmSafetyRepository } from './repositories/typeorm-safety.repository';
import { TypeOrmSessionRepository } from './repositories/typeorm-session.repository';
import { TypeOrmSessionTokenRepository } from './repositories/typeorm-session-token.repository';

/** Every repository, all reaching the database through one executor. */
export function createRepositories(executor: Executor): Repositories {
  return {
    accounts: new TypeOrmAccountRepository(executor),
    friendRequests: new TypeOrmFriendRequestRepository(executor),
    friendships: new TypeOrmFriendshipRepository(executor),
    groups: new TypeOrmGroupRepository(executor),
    messages: new TypeOrmMessageRepository(executor),
    conversations: new TypeOrmConversationRepository(executor),
    sessions: new TypeOrmSessionRepository(executor),
    sessionTokens: new TypeOrmSessionTokenRepository(executor),
    activity: new TypeOrmActivityLog(executor),
    reports: new TypeOrmOperatorReports(executor),
    safety: new TypeOrmSafetyRepository(executor),
  };
}
