import { encodeFrame } from '../../../src/adapters/protocol/frame-encoder';
import { startTestServer, type TestServer } from '../../support/e2e-server';
import { openWebSocket } from './websocket-fixture';

/** A frame header announcing `length` bytes, followed by `payload` (which may be shorter or longer). */
function frame(type: number, payload: Buffer, length = payload.length): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(length, 2);
  return Buffer.concat([header, payload]);
}

const PONG = { type: 2000, payload: '200|PONG' };

describe('WebSocket messages: one protocol frame per binary message (PROTOCOL §1)', () => {
  let t: TestServer;
  afterEach(() => t.stop());

  describe('with the default limits', () => {
    beforeEach(async () => {
      t = await startTestServer({ httpPort: 0 });
    });

    it('answers each binary message, and a reply or push arrives as one message holding one frame', async () => {
      const { client, ws } = await openWebSocket(t);
      const messages: Buffer[] = [];
      ws.on('message', (data: Buffer) => messages.push(data));
      expect(await client.call(1019)).toEqual(['200', 'PONG']);
      expect(await client.call(1000, ['alice', 'password123'])).toEqual(['200', expect.stringMatching(/^\d+$/)]);
      expect(messages).toHaveLength(2);
      for (const message of messages) expect(message.readUInt32BE(2)).toBe(message.length - 6);
    });

    it('closes with 1003 on a text message, after answering the requests that came before it', async () => {
      const { client, ws, closed } = await openWebSocket(t);
      const replies = client.expectReplies(2);
      // REGISTER takes a password hash: the text message arrives while it runs.
      ws.send(encodeFrame(1000, 'alice|password123'));
      ws.send(encodeFrame(1019, ''));
      ws.send(encodeFrame(1019, '').toString('latin1'));
      expect((await replies).map((f) => f.payload.split('|')[0])).toEqual(['200', '200']);
      expect(await closed).toEqual({ code: 1003, reason: expect.stringMatching(/text messages are not accepted/) });
      expect(client.received).toHaveLength(2);
      // The REGISTER before it was carried out.
      const again = await openWebSocket(t);
      expect((await again.client.call(1001, ['alice', 'password123']))[0]).toBe('200');
    });

    it('completes the closing handshake it starts: the connection is gone well before the server would cut it (1 s)', async () => {
      const { ws, closed } = await openWebSocket(t);
      const started = performance.now();
      ws.send('not a frame');
      expect((await closed).code).toBe(1003);
      // The client answered the close frame; a server that no longer read would wait, then cut the socket.
      expect(performance.now() - started).toBeLessThan(700);
    });

    it('closes with 1007 on a message holding two frames, after answering what came before, and answers neither frame', async () => {
      const { client, ws, closed } = await openWebSocket(t);
      const replies = client.expectReplies(1);
      ws.send(encodeFrame(1000, 'alice|password123'));
      ws.send(Buffer.concat([encodeFrame(1019, ''), encodeFrame(1019, '')]));
      expect((await replies)[0]!.payload).toMatch(/^200\|\d+$/);
      expect(await closed).toEqual({ code: 1007, reason: 'a message must be exactly one frame' });
      expect(client.received).toHaveLength(1);
    });

    it('closes with 1007 on a message shorter than a frame header, and on an empty one', async () => {
      for (const bytes of [Buffer.from([0x03, 0xfb, 0x00]), Buffer.alloc(0)]) {
        const { client, ws, closed } = await openWebSocket(t);
        expect(await client.request(1019)).toEqual(PONG);
        ws.send(bytes);
        expect(await closed).toEqual({ code: 1007, reason: 'a message must be exactly one frame' });
        expect(client.received).toEqual([PONG]);
      }
    });

    it('closes with 1007 when the length field says more or fewer bytes than follow', async () => {
      for (const bytes of [frame(1019, Buffer.from('abc'), 10), frame(1019, Buffer.from('abcdef'), 2)]) {
        const { client, ws, closed } = await openWebSocket(t);
        ws.send(bytes);
        expect(await closed).toEqual({ code: 1007, reason: 'a message must be exactly one frame' });
        expect(client.received).toEqual([]);
      }
    });

    it('answers a frame over the 4096-byte limit before login with 400, then closes with 1009; one at the limit is read', async () => {
      const atLimit = await openWebSocket(t);
      expect(await atLimit.client.call(1000, `alice|${'x'.repeat(4096 - 6)}`)).toEqual(['400', 'Invalid password']);
      expect(atLimit.ws.readyState).toBe(atLimit.ws.OPEN);

      const { client, ws, closed } = await openWebSocket(t);
      expect(await client.request(1019)).toEqual(PONG);
      const reply = client.expectReplies(1);
      ws.send(frame(1000, Buffer.alloc(4097, 0x61)));
      expect(await reply).toEqual([{ type: 2000, payload: '400|Payload too large' }]);
      expect(await closed).toEqual({ code: 1009, reason: 'payload too large' });
    });
  });

  describe('with maxPayload 2048', () => {
    beforeEach(async () => {
      t = await startTestServer({ httpPort: 0, maxPayload: 2048, maxPayloadBeforeLogin: 1024 });
    });

    it('after login, answers a header announcing more than maxPayload with 400 and closes with 1009', async () => {
      const { client, ws, closed } = await openWebSocket(t);
      await client.call(1000, ['alice', 'password123']);
      expect((await client.call(1001, ['alice', 'password123']))[0]).toBe('200');
      // Past the before-login limit, within maxPayload: read once logged in.
      expect(await client.call(1020, 'a'.repeat(2000))).not.toEqual(['400', 'Payload too large']);
      const reply = client.expectReplies(1);
      ws.send(frame(1019, Buffer.alloc(0), 2049));
      expect(await reply).toEqual([{ type: 2000, payload: '400|Payload too large' }]);
      expect(await closed).toEqual({ code: 1009, reason: 'payload too large' });
    });

    it('a message larger than maxPayload plus a header is closed by the WebSocket layer with 1009, unanswered', async () => {
      const { client, ws, closed } = await openWebSocket(t);
      await client.call(1000, ['alice', 'password123']);
      expect((await client.call(1001, ['alice', 'password123']))[0]).toBe('200');
      ws.send(frame(1003, Buffer.alloc(2049, 0x61)));
      expect((await closed).code).toBe(1009);
      expect(client.received.map((f) => f.payload)).not.toContain('400|Payload too large');
    });
  });
});
