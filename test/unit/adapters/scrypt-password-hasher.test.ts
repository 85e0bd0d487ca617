import crypto, { type ScryptOptions } from 'node:crypto';
import {
  DEFAULT_SCRYPT_COST,
  defaultHashConcurrency,
  ScryptPasswordHasher,
  TEST_SCRYPT_COST,
  type ScryptCost,
} from '../../../src/adapters/crypto/scrypt-password-hasher';
import { Semaphore } from '../../../src/adapters/crypto/semaphore';

const makeSut = (cost: ScryptCost = TEST_SCRYPT_COST): ScryptPasswordHasher =>
  new ScryptPasswordHasher({ cost });

describe('ScryptPasswordHasher', () => {
  it('produces a hash that is not the password and carries its parameters', async () => {
    const stored = await makeSut().hash('correct horse');

    expect(stored).not.toContain('correct horse');
    const parts = stored.split('$');
    expect(parts).toHaveLength(6);
    expect(parts.slice(0, 4)).toEqual(['scrypt', '1024', '8', '1']);
    expect(Buffer.from(parts[4], 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[5], 'base64')).toHaveLength(32);
  });

  it('salts: two hashes of one password differ', async () => {
    const sut = makeSut();
    const first = await sut.hash('same password');
    const second = await sut.hash('same password');

    expect(first).not.toBe(second);
    expect(first.split('$')[4]).not.toBe(second.split('$')[4]);
  });

  it('verifies the right password and rejects a wrong one', async () => {
    const sut = makeSut();
    const stored = await sut.hash('s3cret-Ünïcode-🔑');

    await expect(sut.verify('s3cret-Ünïcode-🔑', stored)).resolves.toBe(true);
    await expect(sut.verify('s3cret-Ünïcode-🔐', stored)).resolves.toBe(false);
    await expect(sut.verify('', stored)).resolves.toBe(false);
  });

  it('verifies with the parameters stored in the hash, not the configured ones', async () => {
    const oldHasher = makeSut(TEST_SCRYPT_COST);
    const newHasher = makeSut({ N: 2 ** 11, r: 4, p: 2 });
    const oldHash = await oldHasher.hash('pw');
    const newHash = await newHasher.hash('pw');

    expect(newHash.startsWith('scrypt$2048$4$2$')).toBe(true);
    await expect(newHasher.verify('pw', oldHash)).resolves.toBe(true);
    await expect(oldHasher.verify('pw', newHash)).resolves.toBe(true);
    await expect(newHasher.verify('other', oldHash)).resolves.toBe(false);
  });

  it('rejects a hash whose key was altered', async () => {
    const sut = makeSut();
    const parts = (await sut.hash('pw')).split('$');
    const key = Buffer.from(parts[5], 'base64');
    key[0] ^= 0xff;
    parts[5] = key.toString('base64');

    await expect(sut.verify('pw', parts.join('$'))).resolves.toBe(false);
  });

  describe('a malformed stored hash is false, never an exception', () => {
    let valid: string[];
    beforeAll(async () => {
      valid = (await makeSut().hash('pw')).split('$');
    });
    const replace = (index: number, value: string): string =>
      valid.map((part, i) => (i === index ? value : part)).join('$');

    it.each<[string, () => string]>([
      ['empty', () => ''],
      ['garbage', () => 'not a hash'],
      ['bcrypt-looking', () => '$2b$10$abcdefghijklmnopqrstuv'],
      ['wrong prefix', () => replace(0, 'argon2')],
      ['missing part', () => valid.slice(0, 5).join('$')],
      ['extra part', () => `${valid.join('$')}$x`],
      ['N not a number', () => replace(1, 'abc')],
      ['N not a power of two', () => replace(1, '1000')],
      ['N with leading zero', () => replace(1, '01024')],
      ['N huge', () => replace(1, String(2 ** 30))],
      ['r zero', () => replace(2, '0')],
      ['p negative', () => replace(3, '-1')],
      ['p fractional', () => replace(3, '1.5')],
      ['N too big for r', () => replace(2, '1').replace('$1024$', '$65536$')],
      ['salt not base64', () => replace(4, '***')],
      ['salt empty', () => replace(4, '')],
      ['key not base64', () => replace(5, 'no good!')],
      ['key too short', () => replace(5, 'AAAA')],
    ])('%s', async (_name, make) => {
      await expect(makeSut().verify('pw', make())).resolves.toBe(false);
    });
  });

  it('answers false for a missing account', async () => {
    const sut = makeSut();

    await expect(sut.verify('anything', null)).resolves.toBe(false);
    await expect(sut.verify('', null)).resolves.toBe(false);
  });

  it('refuses unusable cost settings at construction', () => {
    expect(() => new ScryptPasswordHasher({ cost: { N: 1000, r: 8, p: 1 } })).toThrow(/N must be a power of two/);
    expect(() => new ScryptPasswordHasher({ cost: { N: 1024, r: 0, p: 1 } })).toThrow(/r must be/);
    expect(() => new ScryptPasswordHasher({ cost: TEST_SCRYPT_COST, maxConcurrent: 0 })).toThrow(/positive integer/);
  });

  it.each([
    [1, 4, 1],
    [2, 4, 1],
    [4, 4, 3],
    [16, 4, 3],
    [16, 16, 15],
    [8, 1, 1],
  ])('hashes by default on %i cores with %i pool threads at most %i at a time', (cores, poolSize, expected) => {
    expect(defaultHashConcurrency(cores, poolSize)).toBe(expected);
  });

  it('has a production default stronger than the test cost', () => {
    expect(DEFAULT_SCRYPT_COST).toEqual({ N: 65536, r: 8, p: 2 });
    expect(() => new ScryptPasswordHasher()).not.toThrow();
  });
});

describe('ScryptPasswordHasher and the real scrypt', () => {
  const realScrypt = crypto.scrypt;
  let inFlight = 0;
  let maxInFlight = 0;
  let costs: ScryptOptions[] = [];

  beforeEach(() => {
    inFlight = 0;
    maxInFlight = 0;
    costs = [];
    // Wraps the real function: counts calls between start and callback, records options.
    jest
      .spyOn(crypto, 'scrypt')
      .mockImplementation((password, salt, keylen, options: ScryptOptions, callback) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        costs.push(options);
        realScrypt(password, salt, keylen, options, (error, key) => {
          inFlight -= 1;
          callback(error, key);
        });
      });
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it.each([1, 2, 3])('never has more than %i scrypt calls in flight', async (maxConcurrent) => {
    const sut = new ScryptPasswordHasher({ cost: TEST_SCRYPT_COST, maxConcurrent });
    const passwords = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

    const hashes = await Promise.all(passwords.map((pw) => sut.hash(pw)));
    const checks = await Promise.all(passwords.map((pw, i) => sut.verify(pw, hashes[i])));

    expect(checks).toEqual(passwords.map(() => true));
    expect(costs).toHaveLength(14);
    expect(maxInFlight).toBe(maxConcurrent);
  });

  it('runs at most the default concurrency when none is given', async () => {
    const sut = new ScryptPasswordHasher({ cost: TEST_SCRYPT_COST });

    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((pw) => sut.hash(pw)));

    expect(maxInFlight).toBe(defaultHashConcurrency());
  });

  it('does real scrypt work at the configured cost for a missing account', async () => {
    const cost = { N: 2 ** 11, r: 8, p: 1 };
    const sut = new ScryptPasswordHasher({ cost });

    await expect(sut.verify('pw', null)).resolves.toBe(false);

    expect(costs).toEqual([expect.objectContaining(cost)]);
  });

  it('raises maxmem enough for the parameters', async () => {
    await new ScryptPasswordHasher({ cost: TEST_SCRYPT_COST }).hash('pw');

    expect(costs[0].maxmem).toBeGreaterThanOrEqual(128 * TEST_SCRYPT_COST.N * TEST_SCRYPT_COST.r * TEST_SCRYPT_COST.p);
  });
});

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets queued promise callbacks run; no timers involved. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

describe('Semaphore', () => {
  it('never runs more than maxConcurrent tasks at once, and starts them in order', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let maxRunning = 0;
    const started: number[] = [];
    const gates = Array.from({ length: 6 }, () => deferred());

    const results = gates.map((gate, index) =>
      semaphore.run(async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        started.push(index);
        await gate.promise;
        running -= 1;
        return index;
      }),
    );

    await flush();
    expect(started).toEqual([0, 1]);

    gates[1].resolve();
    await flush();
    expect(started).toEqual([0, 1, 2]);

    gates[0].resolve();
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);

    for (const gate of gates) gate.resolve();
    await expect(Promise.all(results)).resolves.toEqual([0, 1, 2, 3, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(maxRunning).toBe(2);
    expect(running).toBe(0);
  });

  it('frees the slot when a task fails', async () => {
    const semaphore = new Semaphore(1);
    const failing = semaphore.run(() => Promise.reject(new Error('boom')));
    const next = semaphore.run(() => Promise.resolve('ran'));

    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('frees the slot when a task throws synchronously', async () => {
    const semaphore = new Semaphore(1);
    const throwing = semaphore.run((): Promise<string> => {
      throw new Error('sync boom');
    });
    const next = semaphore.run(() => Promise.resolve('ran'));

    await expect(throwing).rejects.toThrow('sync boom');
    await expect(next).resolves.toBe('ran');
  });

  it('rejects a non-positive limit', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
  });
});
