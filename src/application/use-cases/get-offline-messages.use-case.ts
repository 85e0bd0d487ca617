import type { ReceivedDirectMessage, UserId } from '../../domain';
import type { UnitOfWork } from '../ports';

export interface GetOfflineMessagesInput {
  readonly userId: UserId;
  /**
   * How many of the batch fit in one reply (the transport's payload limit); at
   * least one is always returned when any is waiting.
   */
  readonly fit?: (batch: readonly ReceivedDirectMessage[]) => number;
}

/** The next batch of undelivered direct messages, oldest first, marked delivered as returned. */
export class GetOfflineMessages {
  static readonly BATCH = 100;

  constructor(private readonly unitOfWork: UnitOfWork) {}

  async execute(input: GetOfflineMessagesInput): Promise<readonly ReceivedDirectMessage[]> {
    return this.unitOfWork.run(async (tx) => {
      const waiting = await tx.messages.listUndeliveredDirect(input.userId, GetOfflineMessages.BATCH);
      const count = input.fit ? Math.max(1, Math.min(waiting.length, input.fit(waiting))) : waiting.length;
      const batch = waiting.slice(0, count);
      if (batch.length > 0) await tx.messages.markDirectDelivered(batch.map((m) => m.id));
      return batch;
    });
  }
}
