import type { MessageEvent, UndeliveredCursor } from '../../../src/application';
import { AckWindow } from '../../../src/adapters/delivery/ack-window';
import { messageKey } from '../../../src/domain';

const direct = (id: number): MessageEvent => ({
  kind: 'direct-message',
  messageId: id,
  senderId: 1,
  senderUsername: 'alice',
  content: `d${id}`,
  sentAt: id,
});
const group = (id: number, sentAt = id): MessageEvent => ({
  kind: 'group-message',
  messageId: id,
  groupId: 1,
  groupName: 'g',
  senderId: 1,
  senderUsername: 'alice',
  content: `g${id}`,
  sentAt,
});
const keyOf = (e: MessageEvent): number => messageKey(e.kind === 'direct-message' ? 'direct' : 'group', e.messageId);

/**
 * A window over a fake store of undelivered messages: `store` is what the store holds
 * undelivered; fetches can be held to let pushes race them.
 */
function makeSut(size: number, store: MessageEvent[] = []) {
  const written: MessageEvent[] = [];
  const fetches: { after: UndeliveredCursor; limit: number }[] = [];
  let hold: Promise<void> | null = null;
  const errors: unknown[] = [];
  const window = new AckWindow({
    size,
    async fetch(after, limit) {
      fetches.push({ after, limit });
      if (hold) await hold;
      return store
        .filter((e) => e.messageId > (e.kind === 'direct-message' ? after.direct : after.group))
        .sort((a, b) => a.sentAt - b.sentAt)
        .slice(0, limit);
    },
    write: (event) => written.push(event),
    onError: (error) => errors.push(error),
  });
  /** Acknowledges, and the store forgets them (delivered). */
  const ack = (events: readonly MessageEvent[]): void => {
    const keys = events.map(keyOf);
    for (const key of keys) {
      const index = store.findIndex((e) => keyOf(e) === key);
      if (index >= 0) store.splice(index, 1);
    }
    window.acknowledged(keys);
  };
  const holdFetches = (): (() => void) => {
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    return () => {
      hold = null;
      release();
    };
  };
  return { window, written, fetches, errors, store, ack, holdFetches };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('AckWindow', () => {
  it('writes nothing until started; then catches up from the store oldest first, direct and group merged', async () => {
    const { window, written } = makeSut(10, [direct(1), group(1, 2), direct(3), group(2, 5)]);
    window.offer(direct(9));
    await settle();
    expect(written).toEqual([]);
    window.start();
    await settle();
    // d9, pushed before the start and not in the store (delivered on another device), comes after what the store had.
    expect(written.map((e) => e.content)).toEqual(['d1', 'g1', 'd3', 'g2', 'd9']);
  });

  it('goes live once caught up: later pushes are written at once', async () => {
    const { window, written, store } = makeSut(10);
    window.start();
    await settle();
    store.push(direct(1));
    window.offer(direct(1));
    expect(written.map((e) => e.content)).toEqual(['d1']);
  });

  it('holds at the window: pushes past it wait in the store and come in order as acks free room', async () => {
    const { window, written, store, ack } = makeSut(3);
    window.start();
    await settle();
    for (let i = 1; i <= 7; i++) {
      store.push(direct(i));
      window.offer(direct(i));
    }
    await settle();
    expect(written.map((e) => e.messageId)).toEqual([1, 2, 3]);
    expect(window.unacknowledged).toBe(3);
    ack(written.slice(0, 2));
    await settle();
    expect(written.map((e) => e.messageId)).toEqual([1, 2, 3, 4, 5]);
    ack(written.slice(2));
    await settle();
    ack(written.slice(5));
    await settle();
    expect(written.map((e) => e.messageId)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Caught up: live again.
    store.push(direct(8));
    window.offer(direct(8));
    expect(written.at(-1)?.messageId).toBe(8);
  });

  it('a push that arrives while a fetch runs is not lost: the window fetches again before going live', async () => {
    const { window, written, store, holdFetches, fetches } = makeSut(10, [direct(1)]);
    const release = holdFetches();
    window.start();
    await settle();
    // Stored after the fetch read the store (it returns only d1), pushed meanwhile.
    store.push(direct(2));
    window.offer(direct(2));
    release();
    await settle();
    expect(written.map((e) => e.messageId)).toEqual([1, 2]);
    expect(fetches.length).toBeGreaterThanOrEqual(2);
  });

  it('a push during the catch-up that another device delivers before the fetch sees it still goes out, once', async () => {
    const { window, written, store, holdFetches } = makeSut(10, [direct(1)]);
    const release = holdFetches();
    window.start();
    await settle();
    // Pushed while the first fetch runs; a seed device's write marks it delivered at once.
    window.offer(direct(2));
    release();
    await settle();
    expect(store.map((e) => e.messageId)).toEqual([1]);
    expect(written.map((e) => e.messageId)).toEqual([1, 2]);
    // Live from then on, and nothing comes twice.
    window.offer(direct(3));
    window.offer(direct(2));
    expect(written.map((e) => e.messageId)).toEqual([1, 2, 3]);
  });

  it('a push during the catch-up that the store still has goes out once, in the store order', async () => {
    const { window, written, store, holdFetches } = makeSut(10, [direct(1)]);
    const release = holdFetches();
    window.start();
    await settle();
    store.push(direct(3));
    window.offer(direct(3));
    store.push(direct(2));
    window.offer(direct(2));
    release();
    await settle();
    expect(written.map((e) => e.messageId)).toEqual([1, 2, 3]);
  });

  it('a push that overtook an older one is fetched from before it, without writing anything twice', async () => {
    const { window, written, store, ack } = makeSut(2);
    window.start();
    await settle();
    store.push(direct(5), direct(6));
    window.offer(direct(6));
    window.offer(direct(6));
    expect(written.map((e) => e.messageId)).toEqual([6]);
    store.push(direct(7));
    window.offer(direct(7));
    // The window is full with 6 and 7; 5 (stored earlier, pushed late) waits.
    window.offer(direct(5));
    await settle();
    expect(written.map((e) => e.messageId)).toEqual([6, 7]);
    ack([direct(6)]);
    await settle();
    expect(written.map((e) => e.messageId)).toEqual([6, 7, 5]);
  });

  it('a failed fetch is reported, and the next acknowledgement tries again', async () => {
    const written: MessageEvent[] = [];
    const errors: unknown[] = [];
    let fail = true;
    const window = new AckWindow({
      size: 1,
      fetch: async () => {
        if (fail) throw new Error('database down');
        return [direct(2)];
      },
      write: (e) => written.push(e),
      onError: (e) => errors.push(e),
    });
    window.start();
    await settle();
    expect(errors).toHaveLength(1);
    fail = false;
    window.acknowledged([]);
    await settle();
    expect(written.map((e) => e.messageId)).toEqual([2]);
  });

  it('writes nothing once stopped', async () => {
    const { window, written } = makeSut(10, [direct(1)]);
    window.stop();
    window.start();
    window.offer(direct(2));
    await settle();
    expect(written).toEqual([]);
  });
});
