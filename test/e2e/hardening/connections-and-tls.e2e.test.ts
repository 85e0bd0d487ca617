import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { FrameDecoder } from '../../../src/adapters/protocol/frame-decoder';
import { encodeFrame } from '../../../src/adapters/protocol/frame-encoder';
import { joinFields, splitFields } from '../../../src/adapters/protocol/fields';
import { startTestServer, type TestServer } from '../../support/e2e-server';
import { selfSignedCertificate, type TestCertificate } from '../../support/tls-certificate';
import type { TestClient } from '../../support/test-client';
import { RecordingLogger } from '../../support/use-case-fixtures';

/** Connects until the server admits the socket (it answers PING instead of closing it). */
async function connectWhenAdmitted(t: TestServer): Promise<TestClient> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const client = await t.connect();
    const admitted = await Promise.race([
      client.call(1019).then(
        () => true,
        () => false,
      ),
      client.closed.then(() => false),
    ]);
    if (admitted) return client;
  }
  throw new Error('never admitted');
}

describe('the connection limit', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('closes sockets past the limit at once, keeps the others working, and warns once a second at most', async () => {
    const logger = new RecordingLogger();
    t = await startTestServer({ maxConnections: 2, logger });
    const alice = await t.user('alice');
    const bob = await t.user('bob');

    const refused = await Promise.all([t.connect(), t.connect(), t.connect()]);
    await Promise.all(refused.map((client) => client.closed));
    expect(refused.flatMap((client) => client.received)).toEqual([]);

    expect(await alice.client.call(1003, [bob.id, 'still here'])).toEqual(['200', 'Message sent']);
    expect((await bob.client.nextPush(2001))[2]).toBe('still here');
    const warnings = logger.lines.filter((line) => line.message === 'connection refused: too many connections');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', fields: { maxConnections: 2 } });

    // A slot that frees up is taken by the next socket.
    await alice.client.destroy();
    const next = await connectWhenAdmitted(t);
    expect(await next.call(1001, ['alice', 'password123'])).toEqual(['200', String(alice.id), 'alice']);
  });
});

/** A protocol client over TLS, in the test client's image: replies in order, pushes aside. */
class TlsTestClient {
  private readonly decoder = new FrameDecoder({ maxPayload: 1 << 24 });
  private readonly replies: ((fields: string[]) => void)[] = [];
  private readonly pushes: { type: number; fields: string[] }[] = [];
  private readonly pushWaiters: { type: number; resolve: (fields: string[]) => void }[] = [];

  private constructor(readonly socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.decoder.push(chunk)) {
        if (item.kind !== 'frame') throw new Error('oversize frame from the server');
        const fields = splitFields(item.payload.toString('utf8'));
        if (item.type === 2000) {
          this.replies.shift()?.(fields);
          continue;
        }
        const waiter = this.pushWaiters.findIndex((w) => w.type === item.type);
        if (waiter >= 0) this.pushWaiters.splice(waiter, 1)[0]!.resolve(fields);
        else this.pushes.push({ type: item.type, fields });
      }
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, ca: Buffer): Promise<TlsTestClient> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', ca }, () =>
        resolve(new TlsTestClient(socket)),
      );
      socket.once('error', reject);
    });
  }

  call(type: number, fields: readonly (string | number)[] = []): Promise<string[]> {
    return new Promise((resolve) => {
      this.replies.push(resolve);
      this.socket.write(encodeFrame(type, joinFields(fields)));
    });
  }

  nextPush(type: number): Promise<string[]> {
    const index = this.pushes.findIndex((p) => p.type === type);
    if (index >= 0) return Promise.resolve(this.pushes.splice(index, 1)[0]!.fields);
    return new Promise((resolve) => this.pushWaiters.push({ type, resolve }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }
}

describe('TLS', () => {
  let certificate: TestCertificate;
  let cert: Buffer;
  let key: Buffer;
  let t: TestServer | undefined;

  beforeAll(() => {
    certificate = selfSignedCertificate();
    ({ cert, key } = certificate);
  });
  afterAll(() => certificate.dispose());
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('speaks the same protocol over TLS: register, log in, message, ping', async () => {
    t = await startTestServer({ tls: { cert, key } });
    const alice = await TlsTestClient.connect(t.port, cert);
    const bob = await TlsTestClient.connect(t.port, cert);
    try {
      expect(alice.socket.authorized).toBe(true);
      const [, aliceId] = await alice.call(1000, ['alice', 'password123']);
      const [, bobId] = await bob.call(1000, ['bob', 'password123']);
      expect(await alice.call(1001, ['alice', 'password123'])).toEqual(['200', aliceId, 'alice']);
      expect(await bob.call(1001, ['bob', 'password123'])).toEqual(['200', bobId, 'bob']);

      expect(await alice.call(1003, [bobId!, 'hello | over TLS'])).toEqual(['200', 'Message sent']);
      expect(await bob.nextPush(2001)).toEqual([aliceId, 'alice', 'hello | over TLS', expect.stringMatching(/^\d+$/)]);
      expect(await bob.call(1019)).toEqual(['200', 'PONG']);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('closes a plain-TCP client of a TLS server without disturbing the TLS clients', async () => {
    t = await startTestServer({ tls: { cert, key } });
    const alice = await TlsTestClient.connect(t.port, cert);
    try {
      const plain = await t.connect();
      plain.write(encodeFrame(1019, ''));
      await plain.closed;
      expect(plain.received).toEqual([]);
      expect(await alice.call(1019)).toEqual(['200', 'PONG']);
    } finally {
      await alice.close();
    }
  });
});
