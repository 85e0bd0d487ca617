/**
 * A first-in, first-out mutex for async work: each holder runs only after every
 * earlier one has settled, whether it resolved or rejected.
 */
export class AsyncLock {
  private tail: Promise<unknown> = Promise.resolve();

  runExclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    // The next holder waits for this one to settle, not to succeed.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
