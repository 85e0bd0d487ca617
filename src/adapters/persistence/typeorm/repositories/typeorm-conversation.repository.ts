import type { ConversationRepository } from '../../../../application/ports';
import type { ConversationSummary, HistoryMessage, MessageId, MessageRef, ReadMark, UserId } from '../../../../domain';
import type { Executor } from '../executor';

export class TypeOrmConversationRepository implements ConversationRepository {
  constructor(private readonly db: Executor) {}

  directHistory(_userId: UserId, _peerId: UserId, _upToId: MessageId, _limit: number): Promise<HistoryMessage[]> {
    throw new Error('not implemented');
  }

  groupHistory(_userId: UserId, _groupId: number, _upToId: MessageId, _limit: number): Promise<HistoryMessage[] | null> {
    throw new Error('not implemented');
  }

  markDirectRead(_readerId: UserId, _senderId: UserId, _upToId: MessageId): Promise<ReadMark> {
    throw new Error('not implemented');
  }

  markGroupRead(_readerId: UserId, _groupId: number, _upToId: MessageId): Promise<ReadMark | null> {
    throw new Error('not implemented');
  }

  listConversations(_userId: UserId, _limit: number, _before: MessageRef | null): Promise<ConversationSummary[]> {
    void this.db;
    throw new Error('not implemented');
  }
}
