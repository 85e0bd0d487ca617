import { encodeFrame } from '../../src/adapters/protocol/frame-encoder';
import { startTestServer, type TestServer } from '../support/e2e-server';
import { tcpOnly } from '../support/transports';

/** A frame built by hand, so malformed ones can be sent. */
function rawFrame(type: number, payload: Buffer, announcedLength = payload.length): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(announcedLength, 2);
  return Buffer.concat([header, payload]);
}

describe('framing and errors over TCP (PROTOCOL §1, §3)', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ maxPayload: 2048 });
  });
  afterEach(() => t.stop());

  tcpOnly('a header without its payload exists only in a byte stream; over WebSocket a message is a whole frame').it(
    'answers a frame announcing more than the limit with 400, from the header alone, then closes',
    async () => {
      const client = await t.connect();
      // Only the header is sent: the server must not wait for the body.
      const reply = await client.requestRaw(rawFrame(1000, Buffer.alloc(0), 2049));
      expect(reply).toEqual({ type: 2000, payload: '400|Payload too large' });
      await client.closed;
      expect(client.isOpen).toBe(false);
    },
  );

  it('accepts a payload exactly at the limit', async () => {
    const client = await t.connect();
    const reply = await client.request(1000, `alice|${'x'.repeat(2048 - 6)}`);
    expect(reply.payload).toBe('400|Invalid password');
    expect(client.isOpen).toBe(true);
  });

  it('answers invalid UTF-8 with 400 and keeps the connection open', async () => {
    const client = await t.connect();
    const reply = await client.requestRaw(rawFrame(1000, Buffer.from([0x61, 0xc0, 0x80, 0x7c, 0x62])));
    expect(reply.payload).toBe('400|Invalid encoding');
    expect(await client.call(1000, ['alice', 'password123'])).toEqual(['200', expect.stringMatching(/^\d+$/)]);
  });

  it('answers an unknown TYPE and a server-to-client TYPE with 400 Unknown command', async () => {
    const client = await t.connect();
    expect((await client.request(999)).payload).toBe('400|Unknown command');
    expect((await client.request(2000, '200|x')).payload).toBe('400|Unknown command');
    expect((await client.request(65535)).payload).toBe('400|Unknown command');
    expect(client.isOpen).toBe(true);
  });

  it('answers every command but REGISTER and LOGIN with 401 before LOGIN', async () => {
    const client = await t.connect();
    for (let type = 1002; type <= 1014; type++) {
      expect((await client.request(type, '1|x')).payload).toBe('401|Not logged in');
    }
  });

  it('answers PING with 200|PONG, before and after LOGIN', async () => {
    const client = await t.connect();
    expect(await client.call(1019)).toEqual(['200', 'PONG']);
    await client.call(1000, ['pinger', 'password123']);
    await client.call(1001, ['pinger', 'password123']);
    expect(await client.call(1019)).toEqual(['200', 'PONG']);
  });

  it('reads frames split byte by byte and many frames in one write, replying in request order', async () => {
    const client = await t.connect();
    const frames = Buffer.concat([
      encodeFrame(1000, 'bob|password123'),
      encodeFrame(999, ''),
      encodeFrame(1001, 'bob|password123'),
      encodeFrame(1009, ''),
    ]);
    const replies = client.expectReplies(4);
    // The first two frames one byte at a time, the rest in one chunk.
    const firstTwo = encodeFrame(1000, 'bob|password123').length + 6;
    for (let i = 0; i < firstTwo; i++) client.write(frames.subarray(i, i + 1));
    client.write(frames.subarray(firstTwo));
    const payloads = (await replies).map((f) => [f.type, f.payload.split('|')[0]]);
    expect(payloads).toEqual([
      [2000, '200'],
      [2000, '400'],
      [2000, '200'],
      [2004, '0'],
    ]);
  });

  it('keeps replies in request order when many requests are pipelined', async () => {
    const client = await t.connect();
    const replies = await Promise.all([
      client.call(1000, ['carol', 'password123']),
      client.call(1001, ['carol', 'password123']),
      ...Array.from({ length: 50 }, (_, i) => client.call(i % 2 === 0 ? 1009 : 1005, i % 2 === 0 ? '' : 'nobody')),
      client.call(1002),
    ]);
    expect(replies[0]![0]).toBe('200');
    expect(replies[1]!.slice(0, 1)).toEqual(['200']);
    for (let i = 0; i < 50; i++) expect(replies[2 + i]).toEqual(i % 2 === 0 ? ['0'] : ['404', 'User not found']);
    expect(replies[52]).toEqual(['200', 'Logged out successfully']);
  });
});
