import { GetOfflineMessages } from '../../../src/application';
import type { ReceivedDirectMessage, UserRef } from '../../../src/domain';
import { makeFixture, unwrap } from '../../support/use-case-fixtures';

/** bob and carol write to dave, who is offline. */
async function makeSut() {
  const fx = makeFixture();
  const bob = await fx.register('bob');
  const carol = await fx.register('carol');
  const dave = await fx.register('dave');
  const sut = fx.useCases.getOfflineMessages;
  const write = async (sender: UserRef, content: string, receiver: UserRef = dave) => {
    const { delivered } = unwrap(await fx.useCases.sendDirectMessage.execute({ sender, receiverId: receiver.id, content }));
    await delivered;
  };
  const contents = (batch: readonly ReceivedDirectMessage[]) => batch.map((m) => m.content);
  return { sut, fx, bob, carol, dave, write, contents };
}

describe('GetOfflineMessages', () => {
  it('returns nothing when nothing is waiting', async () => {
    const { sut, dave } = await makeSut();

    expect(await sut.execute({ userId: dave.id })).toEqual([]);
  });

  it('returns each waiting message with its sender, oldest first', async () => {
    const { sut, fx, bob, carol, dave, write } = await makeSut();
    const start = fx.clock.now();
    await write(bob, 'first');
    fx.clock.advance(1_000);
    await write(carol, 'second');
    fx.clock.advance(1_000);
    await write(bob, 'third');

    const batch = await sut.execute({ userId: dave.id });

    expect(batch.map(({ senderId, senderUsername, receiverId, content, sentAt }) => ({ senderId, senderUsername, receiverId, content, sentAt }))).toEqual([
      { senderId: bob.id, senderUsername: 'bob', receiverId: dave.id, content: 'first', sentAt: start },
      { senderId: carol.id, senderUsername: 'carol', receiverId: dave.id, content: 'second', sentAt: start + 1_000 },
      { senderId: bob.id, senderUsername: 'bob', receiverId: dave.id, content: 'third', sentAt: start + 2_000 },
    ]);
  });

  it("returns only the caller's messages", async () => {
    const { sut, bob, carol, dave, write, contents } = await makeSut();
    await write(bob, 'for dave');
    await write(bob, 'for carol', carol);

    expect(contents(await sut.execute({ userId: dave.id }))).toEqual(['for dave']);
    expect(contents(await sut.execute({ userId: carol.id }))).toEqual(['for carol']);
  });

  it('marks the returned messages delivered, so the next call does not return them again', async () => {
    const { sut, bob, dave, write } = await makeSut();
    await write(bob, 'once');

    await sut.execute({ userId: dave.id });

    expect(await sut.execute({ userId: dave.id })).toEqual([]);
  });

  it(`returns ${GetOfflineMessages.BATCH} per call: 250 waiting come back as 100, 100, 50, then 0, in order`, async () => {
    const { sut, bob, dave, write, contents } = await makeSut();
    const all = Array.from({ length: 250 }, (_, i) => `message ${i + 1}`);
    for (const content of all) await write(bob, content);

    const batches = [];
    for (let i = 0; i < 4; i++) batches.push(contents(await sut.execute({ userId: dave.id })));

    expect(batches.map((b) => b.length)).toEqual([100, 100, 50, 0]);
    expect(batches.flat()).toEqual(all);
  });

  describe('fit (the reply size limit)', () => {
    it('is offered the whole batch and trims it; the rest comes next time', async () => {
      const { sut, bob, dave, write, contents } = await makeSut();
      for (let i = 1; i <= 150; i++) await write(bob, `m${i}`);
      const offered: number[] = [];

      const trimmed = await sut.execute({
        userId: dave.id,
        fit: (batch) => {
          offered.push(batch.length);
          return 3;
        },
      });
      const next = await sut.execute({ userId: dave.id });

      expect(offered).toEqual([100]);
      expect(contents(trimmed)).toEqual(['m1', 'm2', 'm3']);
      expect(contents(next)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i + 4}`));
    });

    it('returns at least one message even when none fits', async () => {
      const { sut, bob, dave, write, contents } = await makeSut();
      await write(bob, 'huge');
      await write(bob, 'also huge');

      const batch = await sut.execute({ userId: dave.id, fit: () => 0 });

      expect(contents(batch)).toEqual(['huge']);
      expect(contents(await sut.execute({ userId: dave.id }))).toEqual(['also huge']);
    });

    it('returns no more than are waiting when more would fit', async () => {
      const { sut, bob, dave, write, contents } = await makeSut();
      await write(bob, 'a');
      await write(bob, 'b');

      expect(contents(await sut.execute({ userId: dave.id, fit: () => 1_000 }))).toEqual(['a', 'b']);
    });

    it('returns nothing when nothing is waiting', async () => {
      const { sut, dave } = await makeSut();

      expect(await sut.execute({ userId: dave.id, fit: () => 0 })).toEqual([]);
    });
  });
});

describe('offline fetches and pushes still being marked delivered', () => {
  async function pushInFlight() {
    const fx = makeFixture();
    const ann = await fx.register('ann');
    const bob = await fx.registerAndLogin('bob');
    bob.connection.holdDeliveries();
    const { delivered } = unwrap(await fx.useCases.sendDirectMessage.execute({ sender: ann, receiverId: bob.user.id, content: 'hi' }));
    let fetched: readonly ReceivedDirectMessage[] | null = null;
    const fetching = fx.useCases.getOfflineMessages.execute({ userId: bob.user.id }).then((batch) => (fetched = batch));
    return { bob, delivered, fetching, fetchedNow: () => fetched };
  }

  it('waits for a push in flight to the caller, and does not hand out again what it carried', async () => {
    const { bob, delivered, fetching, fetchedNow } = await pushInFlight();
    await new Promise((resolve) => setImmediate(resolve));
    expect(fetchedNow()).toBeNull();

    bob.connection.releaseHeld(true);

    expect(await delivered).toBe(true);
    expect(await fetching).toEqual([]);
  });

  it('hands it out when the push did not reach the caller after all', async () => {
    const { bob, delivered, fetching } = await pushInFlight();

    bob.connection.releaseHeld(false);

    expect(await delivered).toBe(false);
    expect((await fetching).map((m) => m.content)).toEqual(['hi']);
  });
});
