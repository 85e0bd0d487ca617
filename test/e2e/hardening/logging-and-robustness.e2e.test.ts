import { InMemoryStorage } from '../../../src/adapters/persistence/in-memory/in-memory-storage';
import { encodeFrame } from '../../../src/adapters/protocol/frame-encoder';
import { startTestServer, type TestServer } from '../../support/e2e-server';
import { RecordingLogger } from '../../support/use-case-fixtures';

const PASSWORD = 'Secret-Passw0rd';
const WRONG_PASSWORD = 'Wrong-Passw0rd';
const CONTENT = 'the eagle lands at midnight';
const GROUP_CONTENT = 'group plans for the weekend';

describe('logs and robustness', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('logs each connection opening and closing, and never a password or message content', async () => {
    const logger = new RecordingLogger();
    // A storage whose failure message quotes the content, as a careless driver might.
    const storage = new InMemoryStorage();
    const messages = storage.repositories.messages;
    const saveDirect = messages.saveDirect.bind(messages);
    messages.saveDirect = async (message) => {
      if (message.content.startsWith('boom')) throw new TypeError(`cannot store "${message.content}"`);
      return saveDirect(message);
    };
    t = await startTestServer({ logger, storage });

    const alice = await t.user('alice', PASSWORD);
    const bob = await t.user('bob', PASSWORD);
    const guesser = await t.connect();
    expect((await guesser.call(1001, ['alice', WRONG_PASSWORD]))[0]).toBe('401');
    expect((await alice.client.call(1003, [bob.id, CONTENT]))[0]).toBe('200');
    const [, groupId] = await alice.client.call(1010, 'Weekend');
    await alice.client.call(1011, [groupId!, bob.id]);
    expect((await alice.client.call(1004, [groupId!, GROUP_CONTENT]))[0]).toBe('200');
    expect(await alice.client.call(1003, [bob.id, `boom ${CONTENT}`])).toEqual(['500', 'Server error']);
    // The connection that hit the 500 carries on.
    expect(await alice.client.call(1019)).toEqual(['200', 'PONG']);
    expect((await guesser.request(1000, `x|${PASSWORD}${'x'.repeat(5000)}`)).payload).toBe('400|Payload too large');
    await guesser.closed;
    await alice.client.call(1002);
    // The server shuts down with alice and bob still connected.
    await t.server.close();

    const text = JSON.stringify(logger.lines);
    for (const secret of [PASSWORD, WRONG_PASSWORD, CONTENT, GROUP_CONTENT, 'eagle', 'boom']) {
      expect(text).not.toContain(secret);
    }
    const failed = logger.lines.filter((line) => line.message === 'request failed');
    expect(failed).toEqual([{ level: 'error', message: 'request failed', fields: expect.objectContaining({ error: 'TypeError' }) }]);

    const opened = logger.lines.filter((line) => line.message === 'connection opened');
    const closed = logger.lines.filter((line) => line.message === 'connection closed');
    expect(opened).toHaveLength(3);
    expect(closed).toHaveLength(3);
    for (const line of opened) expect(line.fields).toMatchObject({ connection: expect.any(String), remote: '127.0.0.1' });
    for (const line of closed) {
      expect(line.fields).toMatchObject({
        connection: expect.any(String),
        remote: '127.0.0.1',
        durationMs: expect.any(Number),
        reason: expect.any(String),
      });
    }
    expect(closed.map((line) => line.fields?.reason).sort()).toEqual(['payload too large', 'server shutdown', 'server shutdown']);
  });

  it('survives clients that reset, half-send frames or vanish mid-request, and keeps serving the others', async () => {
    t = await startTestServer();
    const alice = await t.user('alice');
    for (let i = 0; i < 20; i++) {
      const rude = await t.connect();
      // Half a header, half a body, a pipelined burst: then a reset.
      rude.write(encodeFrame(1000, `rude${i}|password123`).subarray(0, 3 + (i % 8)));
      if (i % 2 === 0) rude.write(Buffer.concat(Array.from({ length: 50 }, () => encodeFrame(1019, ''))));
      rude.socket.resetAndDestroy();
      await rude.closed;
    }
    expect(await alice.client.call(1019)).toEqual(['200', 'PONG']);
    expect(await alice.client.call(1009)).toEqual(['0']);
  });
});
