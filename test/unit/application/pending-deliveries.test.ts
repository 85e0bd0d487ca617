import { PendingDeliveries } from '../../../src/application/services/pending-deliveries';

/** 'settled' if the promise settles before `ms` pass, else 'still waiting'. */
function within(promise: Promise<unknown>, ms: number): Promise<'settled' | 'still waiting'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still waiting'), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve('settled');
    });
  });
}

describe('PendingDeliveries', () => {
  it('settles at once for a user with nothing in flight', async () => {
    const pending = new PendingDeliveries();
    pending.track([2], new Promise<void>(() => undefined));
    expect(await within(pending.settled(1), 0)).toBe('settled');
    expect(await within(pending.settled(2), 0)).toBe('still waiting');
  });

  it("waits for every delivery in flight to the user, failed ones too, and no one else's", async () => {
    const pending = new PendingDeliveries();
    let finishFirst!: () => void;
    let failSecond!: (error: Error) => void;
    pending.track([1, 2], new Promise<void>((resolve) => (finishFirst = resolve)));
    pending.track([1], new Promise<void>((_, reject) => (failSecond = reject)));
    const order: string[] = [];
    const forOne = pending.settled(1).then(() => order.push('user 1'));
    await pending.settled(3).then(() => order.push('user 3'));

    finishFirst();
    await pending.settled(2).then(() => order.push('user 2'));
    failSecond(new Error('database away'));
    await forOne;

    expect(order).toEqual(['user 3', 'user 2', 'user 1']);
  });

  it('stops waiting after the longest wait, for a delivery that hangs', async () => {
    const pending = new PendingDeliveries();
    pending.track([1], new Promise<void>(() => undefined));

    const settled = pending.settled(1, 20);
    expect(await within(settled, 5)).toBe('still waiting');
    expect(await within(settled, 1000)).toBe('settled');
  });
});
