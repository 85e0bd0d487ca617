import { unrefTimer } from './runtime';

/**
 * Collects message ids to acknowledge and hands them over in batches: as soon as
 * `batchSize` wait, or `delayMs` after the first of a batch arrived, whichever comes
 * first. One ACK per batch instead of one per message.
 */
export class AckBatcher {
  private ids: number[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly batchSize: number,
    private readonly delayMs: number,
    private readonly sendBatch: (ids: number[]) => void,
  ) {}

  /** Ids waiting to be sent. */
  get waiting(): number {
    return this.ids.length;
  }

  add(id: number): void {
    this.ids.push(id);
    if (this.ids.length >= this.batchSize) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(this.flush, this.delayMs);
      unrefTimer(this.timer);
    }
  }

  /** Sends what waits now. */
  readonly flush = (): void => {
    this.stopTimer();
    if (this.ids.length === 0) return;
    const batch = this.ids;
    this.ids = [];
    this.sendBatch(batch);
  };

  /** Forgets what waits (the connection it came on is gone; the server sends those messages again). */
  discard(): void {
    this.stopTimer();
    this.ids = [];
  }

  private stopTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
