import type { Clock } from '../../../src/application/ports';
import { InMemoryLoginThrottle } from '../../../src/adapters/security/in-memory-login-throttle';

class FakeClock implements Clock {
  constructor(private current = 1_000_000) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

const WINDOW_MS = 60_000;

function makeSut(maxFailures = 3, maxTracked?: number): { sut: InMemoryLoginThrottle; clock: FakeClock } {
  const clock = new FakeClock();
  const sut = new InMemoryLoginThrottle({ maxFailures, windowMs: WINDOW_MS, clock, maxTracked });
  return { sut, clock };
}

function fail(sut: InMemoryLoginThrottle, key: string, times: number): void {
  for (let i = 0; i < times; i += 1) sut.recordFailure(key);
}

describe('InMemoryLoginThrottle', () => {
  it('does not block an unknown key', () => {
    const { sut } = makeSut();
    expect(sut.isBlocked('alice')).toBe(false);
  });

  it('does not block before maxFailures failures', () => {
    const { sut } = makeSut(3);
    fail(sut, 'alice', 2);
    expect(sut.isBlocked('alice')).toBe(false);
  });

  it('blocks after maxFailures failures within the window', () => {
    const { sut, clock } = makeSut(3);
    sut.recordFailure('alice');
    clock.advance(20_000);
    sut.recordFailure('alice');
    clock.advance(20_000);
    sut.recordFailure('alice');
    expect(sut.isBlocked('alice')).toBe(true);
  });

  it('unblocks windowMs after the first failure of the run', () => {
    const { sut, clock } = makeSut(3);
    sut.recordFailure('alice');
    clock.advance(30_000);
    fail(sut, 'alice', 2);

    clock.advance(WINDOW_MS - 30_000 - 1);
    expect(sut.isBlocked('alice')).toBe(true);
    clock.advance(1);
    expect(sut.isBlocked('alice')).toBe(false);
  });

  it('does not count failures spread over more than one window', () => {
    const { sut, clock } = makeSut(3);
    fail(sut, 'alice', 2);
    clock.advance(WINDOW_MS);
    sut.recordFailure('alice');
    expect(sut.isBlocked('alice')).toBe(false);
    fail(sut, 'alice', 1);
    expect(sut.isBlocked('alice')).toBe(false);
    fail(sut, 'alice', 1);
    expect(sut.isBlocked('alice')).toBe(true);
  });

  it('reset clears the key', () => {
    const { sut } = makeSut(3);
    fail(sut, 'alice', 3);
    sut.reset('alice');
    expect(sut.isBlocked('alice')).toBe(false);
    fail(sut, 'alice', 2);
    expect(sut.isBlocked('alice')).toBe(false);
  });

  it('keeps keys independent and compares them exactly', () => {
    const { sut } = makeSut(2);
    fail(sut, 'alice', 2);
    fail(sut, 'bob', 1);

    expect(sut.isBlocked('alice')).toBe(true);
    expect(sut.isBlocked('bob')).toBe(false);
    expect(sut.isBlocked('Alice')).toBe(false);

    sut.reset('bob');
    expect(sut.isBlocked('alice')).toBe(true);
  });

  it('sweeps expired entries so memory stays bounded', () => {
    const { sut, clock } = makeSut(3, 10);
    for (let i = 0; i < 10; i += 1) sut.recordFailure(`old-${i}`);
    expect(sut.size).toBe(10);

    clock.advance(WINDOW_MS);
    for (let i = 0; i < 5; i += 1) sut.recordFailure(`new-${i}`);

    expect(sut.size).toBeLessThanOrEqual(5);
    expect(sut.size).toBeGreaterThanOrEqual(4);
  });

  it('stays bounded under a long stream of distinct keys', () => {
    const { sut, clock } = makeSut(3, 100);
    for (let i = 0; i < 10_000; i += 1) {
      sut.recordFailure(`user-${i}`);
      clock.advance(WINDOW_MS / 50); // about 50 keys are live at any moment
    }
    expect(sut.size).toBeLessThanOrEqual(101);
  });

  it('refuses nonsensical settings', () => {
    const clock = new FakeClock();
    expect(() => new InMemoryLoginThrottle({ maxFailures: 0, windowMs: 1, clock })).toThrow(RangeError);
    expect(() => new InMemoryLoginThrottle({ maxFailures: 1, windowMs: 0, clock })).toThrow(RangeError);
  });
});
