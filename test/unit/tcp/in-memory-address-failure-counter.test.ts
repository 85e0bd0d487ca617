import type { Clock } from '../../../src/application/ports';
import { addressKey } from '../../../src/adapters/security/address-key';
import { InMemoryAddressFailureCounter } from '../../../src/adapters/security/in-memory-address-failure-counter';

class FakeClock implements Clock {
  constructor(private current = 1_000_000) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

const WINDOW_MS = 15 * 60_000;

function makeSut(maxFailures = 3, maxTrackedAddresses?: number): { sut: InMemoryAddressFailureCounter; clock: FakeClock } {
  const clock = new FakeClock();
  const sut = new InMemoryAddressFailureCounter({ maxFailures, windowMs: WINDOW_MS, clock, maxTrackedAddresses });
  return { sut, clock };
}

function fail(sut: InMemoryAddressFailureCounter, address: string, times: number): void {
  for (let i = 0; i < times; i++) sut.recordFailure(address);
}

describe('InMemoryAddressFailureCounter', () => {
  it('blocks an address once it reaches maxFailures, not before', () => {
    const { sut } = makeSut(3);
    expect(sut.isBlocked('10.0.0.1')).toBe(false);
    fail(sut, '10.0.0.1', 2);
    expect(sut.isBlocked('10.0.0.1')).toBe(false);
    sut.recordFailure('10.0.0.1');
    expect(sut.isBlocked('10.0.0.1')).toBe(true);
  });

  it('counts each address on its own', () => {
    const { sut } = makeSut(3);
    fail(sut, '10.0.0.1', 3);
    expect(sut.isBlocked('10.0.0.2')).toBe(false);
  });

  it('unblocks when the window, counted from the first failure, has passed', () => {
    const { sut, clock } = makeSut(3);
    sut.recordFailure('10.0.0.1');
    clock.advance(WINDOW_MS - 1000);
    fail(sut, '10.0.0.1', 2);
    expect(sut.isBlocked('10.0.0.1')).toBe(true);
    clock.advance(999);
    expect(sut.isBlocked('10.0.0.1')).toBe(true);
    clock.advance(1);
    expect(sut.isBlocked('10.0.0.1')).toBe(false);
    // A fresh window starts with the next failure.
    fail(sut, '10.0.0.1', 2);
    expect(sut.isBlocked('10.0.0.1')).toBe(false);
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address, and IPv6 addresses by /64', () => {
    const { sut } = makeSut(3);
    sut.recordFailure('192.0.2.7');
    sut.recordFailure('::ffff:192.0.2.7');
    sut.recordFailure('::FFFF:192.0.2.7');
    expect(sut.isBlocked('192.0.2.7')).toBe(true);

    fail(sut, '2001:db8:1:2::1', 2);
    sut.recordFailure('2001:db8:1:2:ffff:ffff:ffff:ffff');
    expect(sut.isBlocked('2001:0db8:0001:0002:0:0:0:9')).toBe(true);
    expect(sut.isBlocked('2001:db8:1:3::1')).toBe(false);
  });

  it('forgets expired addresses and never tracks more than its bound', () => {
    const { sut, clock } = makeSut(3, 100);
    for (let i = 0; i < 50; i++) sut.recordFailure(`10.0.0.${i}`);
    clock.advance(WINDOW_MS);
    sut.recordFailure('10.0.1.1');
    expect(sut.size).toBe(1);
    for (let i = 0; i < 500; i++) sut.recordFailure(`10.1.${i >> 8}.${i & 255}`);
    expect(sut.size).toBe(100);
    // The newest are the ones kept.
    fail(sut, '10.1.1.243', 2);
    expect(sut.isBlocked('10.1.1.243')).toBe(true);
  });

  it('refuses settings that cannot work', () => {
    const clock = new FakeClock();
    expect(() => new InMemoryAddressFailureCounter({ maxFailures: 0, windowMs: 1, clock })).toThrow(RangeError);
    expect(() => new InMemoryAddressFailureCounter({ maxFailures: 1, windowMs: 0, clock })).toThrow(RangeError);
    expect(() => new InMemoryAddressFailureCounter({ maxFailures: 1, windowMs: 1, clock, maxTrackedAddresses: 0 })).toThrow(RangeError);
  });
});

describe('addressKey', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['2001:DB8::', '2001:db8:0:0::/64'],
    ['2001:db8:a:b:c:d:e:f', '2001:db8:a:b::/64'],
    ['::ffff:1.2.3.4.5', '::ffff:1.2.3.4.5'],
    [undefined, 'unknown'],
  ])('keys %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});
