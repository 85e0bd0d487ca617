import { selfSignedCertificate, type TestCertificate } from '../../support/tls-certificate';
import { befriend, startTestServer, type TestServer } from '../../support/e2e-server';
import { httpGet, httpPortOf, openWebSocket, upgradeRefusal } from './websocket-fixture';

describe('TLS: HTTPS and wss:// on the HTTP listener', () => {
  let certificate: TestCertificate;
  let cert: Buffer;
  let key: Buffer;
  let t: TestServer;

  beforeAll(() => {
    certificate = selfSignedCertificate();
    ({ cert, key } = certificate);
  });
  afterAll(() => certificate.dispose());
  beforeEach(async () => {
    t = await startTestServer({ httpPort: 0, tls: { cert, key } });
  });
  afterEach(() => t.stop());

  it('answers /healthz over HTTPS', async () => {
    const answer = await httpGet(httpPortOf(t), '/healthz', { tls: { ca: cert } });
    expect([answer.status, answer.body]).toEqual([200, 'ok\n']);
  });

  it('speaks the protocol over wss://: register, log in, message a friend, ping', async () => {
    const url = `wss://localhost:${httpPortOf(t)}/ws`;
    const alice = await openWebSocket(url, { ca: cert });
    const bob = await openWebSocket(url, { ca: cert });
    expect((await alice.client.call(1000, ['alice', 'password123']))[0]).toBe('200');
    expect((await bob.client.call(1000, ['bob', 'password123']))[0]).toBe('200');
    const [, aliceId] = await alice.client.call(1001, ['alice', 'password123']);
    const [, bobId] = await bob.client.call(1001, ['bob', 'password123']);
    await befriend({ client: alice.client, id: Number(aliceId), name: 'alice' }, { client: bob.client, id: Number(bobId), name: 'bob' });
    expect(await alice.client.call(1003, [bobId!, 'hello | over wss'])).toEqual(['200', 'Message sent']);
    expect(await bob.client.nextPush(2001)).toEqual([aliceId, 'alice', 'hello | over wss', expect.stringMatching(/^\d+$/)]);
    expect(await bob.client.call(1019)).toEqual(['200', 'PONG']);
  });

  it("takes the page's own origin to be https://<Host>", async () => {
    const port = httpPortOf(t);
    const url = `wss://localhost:${port}/ws`;
    const allowed = await openWebSocket(url, { ca: cert, headers: { Origin: `https://localhost:${port}` } });
    expect(await allowed.client.call(1019)).toEqual(['200', 'PONG']);
    await expect(openWebSocket(url, { ca: cert, headers: { Origin: `http://localhost:${port}` } })).rejects.toThrow(/403/);
  });

  it('refuses a plain ws:// client of a TLS listener', async () => {
    await expect(upgradeRefusal(`ws://127.0.0.1:${httpPortOf(t)}/ws`)).rejects.toThrow();
  });
});
