import type { UserId } from '../../domain';

/** Longest an offline fetch waits for deliveries in flight (a stalled connection must not hold it). */
export const PENDING_DELIVERY_WAIT_MS = 2_000;

/**
 * Message pushes of this process whose "delivered" mark is not committed yet, by
 * recipient. A client that gets a push may ask for its offline messages at once;
 * the fetch waits for these marks first, so it does not hand out again what the
 * socket just carried.
 */
export class PendingDeliveries {
  private readonly byUser = new Map<UserId, Set<Promise<unknown>>>();

  /** `work` covers the push and its mark; the recipients' fetches wait for it. */
  track(userIds: readonly UserId[], work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    for (const userId of userIds) {
      let pending = this.byUser.get(userId);
      if (!pending) this.byUser.set(userId, (pending = new Set()));
      pending.add(settled);
    }
    void settled.then(() => {
      for (const userId of userIds) {
        const pending = this.byUser.get(userId);
        pending?.delete(settled);
        if (pending?.size === 0) this.byUser.delete(userId);
      }
    });
  }

  /** Resolves once the user's deliveries in flight are settled, or after `maxWaitMs`. */
  async settled(userId: UserId, maxWaitMs = PENDING_DELIVERY_WAIT_MS): Promise<void> {
    const pending = this.byUser.get(userId);
    if (!pending || pending.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)));
    await Promise.race([Promise.all(pending), timeout]);
    clearTimeout(timer);
  }
}
