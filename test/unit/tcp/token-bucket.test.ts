import { TokenBucket } from '../../../src/adapters/protocol/token-bucket';

/** Milliseconds that move only when the test says so. */
class ManualTime {
  current = 5_000;
  readonly now = (): number => this.current;
  advance(ms: number): void {
    this.current += ms;
  }
}

function makeSut(capacity = 3, refillPerSecond = 10): { sut: TokenBucket; time: ManualTime } {
  const time = new ManualTime();
  return { sut: new TokenBucket({ capacity, refillPerSecond, now: time.now }), time };
}

function take(sut: TokenBucket, times: number): boolean[] {
  return Array.from({ length: times }, () => sut.tryTake());
}

describe('TokenBucket', () => {
  it('starts full: a burst up to the capacity passes, the next request does not', () => {
    const { sut } = makeSut(3);
    expect(take(sut, 4)).toEqual([true, true, true, false]);
  });

  it('refills at the configured rate', () => {
    const { sut, time } = makeSut(3, 10); // one token per 100 ms
    take(sut, 3);
    time.advance(99);
    expect(sut.tryTake()).toBe(false);
    time.advance(1);
    expect(sut.tryTake()).toBe(true);
    expect(sut.tryTake()).toBe(false);
    time.advance(250);
    expect(take(sut, 3)).toEqual([true, true, false]);
  });

  it('keeps fractions of a token between readings of the clock', () => {
    const { sut, time } = makeSut(1, 10);
    sut.tryTake();
    for (let i = 0; i < 3; i++) {
      time.advance(25);
      expect(sut.tryTake()).toBe(false);
    }
    time.advance(25);
    expect(sut.tryTake()).toBe(true);
  });

  it('never holds more than its capacity, however long it was idle', () => {
    const { sut, time } = makeSut(3, 10);
    time.advance(3_600_000);
    expect(sut.available).toBe(3);
    expect(take(sut, 4)).toEqual([true, true, true, false]);
  });

  it('allows the sustained rate and no more', () => {
    const { sut, time } = makeSut(5, 1000);
    take(sut, 5);
    let passed = 0;
    // 10 requests per millisecond for one second against a rate of 1000/s.
    for (let ms = 0; ms < 1000; ms++) {
      time.advance(1);
      for (const ok of take(sut, 10)) if (ok) passed++;
    }
    expect(passed).toBe(1000);
  });

  it('adds nothing when the clock steps back, and counts on from the new reading', () => {
    const { sut, time } = makeSut(2, 10);
    take(sut, 2);
    time.advance(-10_000);
    expect(sut.tryTake()).toBe(false);
    time.advance(100);
    expect(sut.tryTake()).toBe(true);
  });

  it('refuses a capacity under 1 or a rate that is not positive', () => {
    const now = (): number => 0;
    expect(() => new TokenBucket({ capacity: 0, refillPerSecond: 1, now })).toThrow(RangeError);
    expect(() => new TokenBucket({ capacity: 1, refillPerSecond: 0, now })).toThrow(RangeError);
    expect(() => new TokenBucket({ capacity: 1, refillPerSecond: Number.NaN, now })).toThrow(RangeError);
  });
});
