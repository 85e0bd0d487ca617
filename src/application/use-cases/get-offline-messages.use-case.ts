import type { ReceivedDirectMessage, ReceivedGroupMessage, UserId } from '../../domain';
import type { Repositories, UnitOfWork } from '../ports';
import type { PendingDeliveries } from '../services/pending-deliveries';

export interface GetOfflineInput<M> {
  readonly userId: UserId;
  /**
   * How many of the batch fit in one reply (the transport's payload limit); at
   * least one is always returned when any is waiting.
   */
  readonly fit?: (batch: readonly M[]) => number;
}

/** At most 100 messages per batch, fewer only when the reply would not fit. */
export const OFFLINE_BATCH = 100;

/**
 * Takes the next batch in one transaction: read, trim to what fits, mark delivered.
 * Pushes to the user still being marked delivered are waited for first.
 */
async function nextBatch<M extends { readonly id: number }>(
  unitOfWork: UnitOfWork,
  pending: PendingDeliveries,
  input: GetOfflineInput<M>,
  list: (tx: Repositories, limit: number) => Promise<M[]>,
  markDelivered: (tx: Repositories, ids: number[]) => Promise<void>,
): Promise<readonly M[]> {
  await pending.settled(input.userId);
  return unitOfWork.run(async (tx) => {
    const waiting = await list(tx, OFFLINE_BATCH);
    const count = input.fit ? Math.max(1, Math.min(waiting.length, input.fit(waiting))) : waiting.length;
    const batch = waiting.slice(0, count);
    if (batch.length > 0) await markDelivered(tx, batch.map((m) => m.id));
    return batch;
  });
}

/** The next batch of undelivered direct messages, oldest first, marked delivered as returned. */
export class GetOfflineMessages {
  static readonly BATCH = OFFLINE_BATCH;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly pending: PendingDeliveries,
  ) {}

  execute(input: GetOfflineInput<ReceivedDirectMessage>): Promise<readonly ReceivedDirectMessage[]> {
    return nextBatch(
      this.unitOfWork,
      this.pending,
      input,
      (tx, limit) => tx.messages.listUndeliveredDirect(input.userId, limit),
      (tx, ids) => tx.messages.markDirectDelivered(ids),
    );
  }
}

/**
 * The next batch of group messages that reached none of the member's connections
 * (sent while they were away, since they joined), oldest first, marked delivered.
 */
export class GetOfflineGroupMessages {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly pending: PendingDeliveries,
  ) {}

  execute(input: GetOfflineInput<ReceivedGroupMessage>): Promise<readonly ReceivedGroupMessage[]> {
    return nextBatch(
      this.unitOfWork,
      this.pending,
      input,
      (tx, limit) => tx.messages.listUndeliveredGroup(input.userId, limit),
      (tx, ids) => tx.messages.markGroupDeliveredTo(input.userId, ids),
    );
  }
}

/** The input of GetOfflineMessages. */
export type GetOfflineMessagesInput = GetOfflineInput<ReceivedDirectMessage>;
