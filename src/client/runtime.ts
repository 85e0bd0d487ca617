/**
 * The few things the SDK does differently in Node and in a browser, so the same code
 * runs in both: Node's timers can be unref'd (a browser's are numbers), and Node has
 * `process.nextTick`.
 */

/** Lets Node exit while this timer is pending; nothing in a browser. */
export function unrefTimer(timer: unknown): void {
  if (typeof timer === 'object' && timer !== null && 'unref' in timer && typeof timer.unref === 'function') timer.unref();
}

/** Runs `fn(arg)` as soon as the current operation is done: process.nextTick in Node, a microtask elsewhere. */
export function soon<T>(fn: (arg: T) => void, arg: T): void {
  if (typeof process === 'object' && typeof process.nextTick === 'function') process.nextTick(fn, arg);
  else queueMicrotask(() => fn(arg));
}

const utf8 = new TextEncoder();

/** The length of `text` in bytes of UTF-8 (a lone surrogate counts as U+FFFD, as in Buffer.byteLength). */
export function utf8ByteLength(text: string): number {
  return utf8.encode(text).length;
}
