import type { MessageEvent, UndeliveredCursor } from '../../application';
import { messageKey } from '../../domain';

export interface AckWindowOptions {
  /** Messages pushed and not yet acknowledged, at most (PROTOCOL.md §8 flow control). */
  readonly size: number;
  /** The user's undelivered messages after the cursor, oldest first, at most `limit`. */
  fetch(after: UndeliveredCursor, limit: number): Promise<readonly MessageEvent[]>;
  /** Writes the message to the connection (as 2013 / 2014). */
  write(event: MessageEvent): void;
  /** A fetch failed: the window stays behind and tries again at the next push or acknowledgement. */
  onError(error: unknown): void;
}

const keyOf = (event: MessageEvent): number =>
  messageKey(event.kind === 'direct-message' ? 'direct' : 'group', event.messageId);

/**
 * What one acknowledging connection has been pushed and not had acknowledged, and
 * the order it is pushed in. The store holds the truth (a message stays undelivered
 * until acknowledged), so this is connection state only: lost with the connection,
 * rebuilt from the store by the next ENABLE_ACKS.
 *
 * Live pushes go straight out while the window has room and nothing older waits.
 * Otherwise the window is *behind*: live pushes are left in the store, and it catches
 * up from the store, oldest first, as acknowledgements free room; once a fetch comes
 * back short with no live push missed meanwhile, it goes live again.
 *
 * A live push that comes while the window catches up with room to spare is also kept
 * here: another device of the user (a seed one, whose write counts as delivery) may
 * mark it delivered before the fetch sees it, and the store would then never hand it
 * to this connection. Kept pushes go out once the store is drained, unless a fetch
 * brought them first.
 */
export class AckWindow {
  private readonly inFlight = new Set<number>();
  /** Live pushes that came while catching up with room to spare, by key. */
  private readonly heldLive = new Map<number, MessageEvent>();
  /** The last id handed out of each store; a catch-up fetches after it. */
  private after = { direct: 0, group: 0 };
  /** Starts behind: ENABLE_ACKS pushes everything still undelivered first. */
  private behind = true;
  private started = false;
  private fetching = false;
  /** A live push was left in the store while a fetch ran: fetch again before going live. */
  private missed = false;
  private stopped = false;

  constructor(private readonly options: AckWindowOptions) {}

  /** Messages pushed and not acknowledged. */
  get unacknowledged(): number {
    return this.inFlight.size;
  }

  /** Begins the catch-up: call once the ENABLE_ACKS reply is written. */
  start(): void {
    this.started = true;
    void this.catchUp();
  }

  /** No more writes (the connection closed or logged out). */
  stop(): void {
    this.stopped = true;
    this.heldLive.clear();
  }

  /** A live message push for this connection. */
  offer(event: MessageEvent): void {
    if (this.stopped) return;
    const key = keyOf(event);
    if (this.inFlight.has(key)) return;
    if (!this.behind && this.inFlight.size < this.options.size) {
      this.send(event, key);
      return;
    }
    // Kept only within the window's room: past it, flow control leaves pushes to the store.
    if (this.inFlight.size + this.heldLive.size < this.options.size) this.heldLive.set(key, event);
    this.behind = true;
    this.missed = true;
    // A push may overtake another of the same store (concurrent sends): fetch from before it.
    const store = event.kind === 'direct-message' ? 'direct' : 'group';
    this.after[store] = Math.min(this.after[store], event.messageId - 1);
    void this.catchUp();
  }

  /** The client acknowledged these ids (its own or not, in flight or not). */
  acknowledged(keys: readonly number[]): void {
    for (const key of keys) this.inFlight.delete(key);
    if (this.behind) void this.catchUp();
  }

  private send(event: MessageEvent, key: number): void {
    this.inFlight.add(key);
    const store = event.kind === 'direct-message' ? 'direct' : 'group';
    this.after[store] = Math.max(this.after[store], event.messageId);
    this.options.write(event);
  }

  private async catchUp(): Promise<void> {
    if (!this.started || this.fetching || this.stopped) return;
    this.fetching = true;
    try {
      while (this.behind && !this.stopped) {
        const room = this.options.size - this.inFlight.size;
        if (room <= 0) return; // acknowledgements call again
        this.missed = false;
        // Messages in flight after the cursor come back too; ask for enough to fill the room anyway.
        const limit = room + this.inFlight.size;
        const events = await this.options.fetch({ ...this.after }, limit);
        if (this.stopped) return;
        let sent = 0;
        let full = false;
        for (const event of events) {
          const key = keyOf(event);
          // The store has it: it goes out in the store's order.
          this.heldLive.delete(key);
          if (this.inFlight.has(key)) continue;
          if (sent === room) {
            full = true;
            break;
          }
          this.send(event, key);
          sent += 1;
        }
        if (full || events.length >= limit) continue;
        // The store is drained: kept pushes it no longer has (delivered on another device meanwhile) go out now.
        for (const [key, event] of [...this.heldLive].sort(([a], [b]) => a - b)) {
          if (sent === room) break;
          this.heldLive.delete(key);
          if (this.inFlight.has(key)) continue;
          this.send(event, key);
          sent += 1;
        }
        // Caught up: the store had no more than this, all of it is out, and no push slipped by.
        if (this.heldLive.size === 0 && !this.missed) this.behind = false;
      }
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.fetching = false;
    }
  }
}
