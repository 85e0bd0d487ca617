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

/** A batch handed out and not yet marked delivered. */
export interface OfflineBatch<M> {
  /** Oldest first. */
  readonly messages: readonly M[];
  /**
   * Marks the batch delivered. A transport calls it once the reply carrying the batch
   * has been written (PROTOCOL §3's rule for pushes), so a batch cut off by a dropped
   * connection comes again.
   */
  confirm(): Promise<void>;
}

/**
 * The next batch: read, trimmed to what fits, to be confirmed by the caller.
 * Pushes to the user still being marked delivered are waited for first.
 */
async function takeBatch<M extends { readonly id: number }>(
  repositories: Repositories,
  unitOfWork: UnitOfWork,
  pending: PendingDeliveries,
  input: GetOfflineInput<M>,
  list: (repositories: Repositories, limit: number) => Promise<M[]>,
  markDelivered: (tx: Repositories, ids: number[]) => Promise<void>,
): Promise<OfflineBatch<M>> {
  await pending.settled(input.userId);
  const waiting = await list(repositories, OFFLINE_BATCH);
  const count = input.fit ? Math.max(1, Math.min(waiting.length, input.fit(waiting))) : waiting.length;
  const messages = waiting.slice(0, count);
  const ids = messages.map((m) => m.id);
  return {
    messages,
    confirm: () => (ids.length === 0 ? Promise.resolve() : unitOfWork.run((tx) => markDelivered(tx, ids))),
  };
}

/** The next batch of undelivered direct messages, oldest first. */
export class GetOfflineMessages {
  static readonly BATCH = OFFLINE_BATCH;

  constructor(
    private readonly repositories: Repositories,
    private readonly unitOfWork: UnitOfWork,
    private readonly pending: PendingDeliveries,
  ) {}

  /** The batch, marked delivered as it is returned (for callers with no write to wait for). */
  async execute(input: GetOfflineInput<ReceivedDirectMessage>): Promise<readonly ReceivedDirectMessage[]> {
    const batch = await this.take(input);
    await batch.confirm();
    return batch.messages;
  }

  /** The batch, marked delivered only when the caller confirms it. */
  take(input: GetOfflineInput<ReceivedDirectMessage>): Promise<OfflineBatch<ReceivedDirectMessage>> {
    return takeBatch(
      this.repositories,
      this.unitOfWork,
      this.pending,
      input,
      (repositories, limit) => repositories.messages.listUndeliveredDirect(input.userId, limit),
      (tx, ids) => tx.messages.markDirectDelivered(ids),
    );
  }
}

/**
 * The next batch of group messages that reached none of the member's connections
 * (sent while they were away, since they joined), oldest first.
 */
export class GetOfflineGroupMessages {
  constructor(
    private readonly repositories: Repositories,
    private readonly unitOfWork: UnitOfWork,
    private readonly pending: PendingDeliveries,
  ) {}

  /** The batch, marked delivered as it is returned (for callers with no write to wait for). */
  async execute(input: GetOfflineInput<ReceivedGroupMessage>): Promise<readonly ReceivedGroupMessage[]> {
    const batch = await this.take(input);
    await batch.confirm();
    return batch.messages;
  }

  /** The batch, marked delivered only when the caller confirms it. */
  take(input: GetOfflineInput<ReceivedGroupMessage>): Promise<OfflineBatch<ReceivedGroupMessage>> {
    return takeBatch(
      this.repositories,
      this.unitOfWork,
      this.pending,
      input,
      (repositories, limit) => repositories.messages.listUndeliveredGroup(input.userId, limit),
      (tx, ids) => tx.messages.markGroupDeliveredTo(input.userId, ids),
    );
  }
}

/** The input of GetOfflineMessages. */
export type GetOfflineMessagesInput = GetOfflineInput<ReceivedDirectMessage>;
