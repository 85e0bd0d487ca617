import { performance } from 'node:perf_hooks';

/**
 * Monotonic milliseconds read from a field that a timer refreshes, so code on the
 * per-frame path can ask for the time without a system call. It is at most one
 * resolution (plus one turn of the event loop) behind.
 */
export class CoarseClock {
  private current = performance.now();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly resolutionMs = 25) {}

  /** Bound, so it can be handed out as a plain function. */
  readonly now = (): number => this.current;

  start(): void {
    if (this.timer) return;
    this.current = performance.now();
    this.timer = setInterval(() => {
      this.current = performance.now();
    }, this.resolutionMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
