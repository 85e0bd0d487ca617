import { encodeFrame } from '../../../src/adapters/protocol/frame-encoder';
import type { Clock } from '../../../src/application';
import { startTestServer, type TestServer } from '../../support/e2e-server';
import type { TestClient } from '../../support/test-client';

/** The system time plus an offset the test moves forward. */
class ShiftableClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** Writes all frames at once and resolves with every reply's payload, in order. */
async function pipeline(client: TestClient, frames: readonly [number, string][]): Promise<string[]> {
  const replies = client.expectReplies(frames.length);
  client.write(Buffer.concat(frames.map(([type, payload]) => encodeFrame(type, payload))));
  return (await replies).map((frame) => frame.payload);
}

describe('rate limits', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  describe('per connection', () => {
    it('answers requests past the burst with 429, unprocessed, exactly one reply each, in order', async () => {
      t = await startTestServer({ rateBurst: 3, ratePerSecond: 1 });
      const client = await t.connect();
      const payloads = await pipeline(client, [
        [1000, 'alice|password123'],
        [1019, ''],
        [999, ''],
        [1000, 'bob|password123'],
        [1001, 'alice|password123'],
        [1019, ''],
      ]);
      expect(payloads).toEqual([
        expect.stringMatching(/^200\|\d+$/),
        '200|PONG',
        '400|Unknown command',
        '429|Too many requests',
        '429|Too many requests',
        '429|Too many requests',
      ]);
      // Nothing more arrives: the server closes its side after its last reply.
      await client.close();
      expect(client.received).toHaveLength(6);

      // The refused REGISTER never ran; another connection has a budget of its own.
      const other = await t.connect();
      expect(await other.call(1001, ['bob', 'password123'])).toEqual(['401', 'Invalid credentials']);
      expect((await other.call(1001, ['alice', 'password123']))[0]).toBe('200');
    });

    it('leaves heavy pipelining alone with the defaults', async () => {
      t = await startTestServer();
      const alice = await t.user('alice');
      const bob = await t.user('bob');
      const pings = await pipeline(alice.client, Array.from({ length: 5000 }, (): [number, string] => [1019, '']));
      expect(pings.every((p) => p === '200|PONG')).toBe(true);
      const sent = await pipeline(
        alice.client,
        Array.from({ length: 1000 }, (_, i): [number, string] => [1003, `${bob.id}|message ${i}`]),
      );
      expect(sent.every((p) => p === '200|Message sent')).toBe(true);
    });
  });

  describe('failed logins per remote address', () => {
    it('after the limit answers LOGIN from that address 429, even with the right password, until the window passes', async () => {
      const clock = new ShiftableClock();
      t = await startTestServer({ loginMaxFailuresPerAddress: 3, loginWindowMs: 60_000, clock });
      const setup = await t.connect();
      for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) await setup.call(1000, [name, 'password123']);

      // Successes never count: more of them than the limit, from the same address.
      for (const name of ['alice', 'bob', 'carol', 'dave']) {
        const c = await t.connect();
        expect((await c.call(1001, [name, 'password123']))[0]).toBe('200');
      }

      // Three failures, for different usernames (under the per-username limit), from two connections.
      const guesser = await t.connect();
      expect(await guesser.call(1001, ['alice', 'guess-one'])).toEqual(['401', 'Invalid credentials']);
      expect(await guesser.call(1001, ['nobody', 'guess-two'])).toEqual(['401', 'Invalid credentials']);
      const another = await t.connect();
      expect(await another.call(1001, ['bob', 'guess-three'])).toEqual(['401', 'Invalid credentials']);

      const late = await t.connect();
      expect(await late.call(1001, ['erin', 'password123'])).toEqual(['429', 'Too many attempts']);
      expect(await guesser.call(1001, ['alice', 'password123'])).toEqual(['429', 'Too many attempts']);
      // The payload's form is still checked first, and other commands are not affected.
      expect(await late.call(1001, 'erin')).toEqual(['400', 'Expected username|password']);
      expect((await late.call(1000, ['frank', 'password123']))[0]).toBe('200');

      clock.advance(60_000);
      expect(await late.call(1001, ['erin', 'password123'])).toEqual(['200', expect.any(String), 'erin']);
    });

    it('does not block an address under the default limit for a run of mistyped passwords', async () => {
      t = await startTestServer();
      const c = await t.connect();
      for (let i = 0; i < 20; i++) await c.call(1000, [`user${i}`, 'password123']);
      // Four mistakes each for twenty users: eighty failures, under the default of one hundred.
      for (let i = 0; i < 20; i++) {
        for (let j = 0; j < 4; j++) expect((await c.call(1001, [`user${i}`, `wrong-${j}-pass`]))[0]).toBe('401');
      }
      expect((await c.call(1001, ['user0', 'password123']))[0]).toBe('200');
    });
  });
});
