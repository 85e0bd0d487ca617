import { befriend, startTestServer, type TestServer } from '../support/e2e-server';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../support/prometheus-text';

/**
 * A real server on SQLite, driven over TCP: what /metrics will show (the core's
 * metrics rendered and parsed as Prometheus would) moves with the traffic, and
 * never names a user or a message.
 */

const servers: TestServer[] = [];

async function start(): Promise<TestServer> {
  const server = await startTestServer({ engine: 'sqlite', httpPort: 0 });
  servers.push(server);
  return server;
}

/** GET /metrics of the server's HTTP listener, as Prometheus scrapes it. */
async function scrape(server: TestServer): Promise<{ text: string; families: Map<string, MetricFamily> }> {
  const answer = await fetch(`http://127.0.0.1:${server.server.httpPort}/metrics`);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await answer.text();
  return { text, families: parsePrometheusText(text) };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe('metrics of a running server', () => {
  it('counts users online and records storage batches and commits as messages are stored; is ready', async () => {
    const server = await start();
    expect(await server.server.core.ready()).toEqual({ ready: true, checks: { database: 'ok' } });
    const alice = await server.user('alice');
    const bob = await server.user('bob');
    await befriend(alice, bob);

    let { families } = await scrape(server);
    expect(sampleValue(families, 'chat_users_online')).toBe(2);
    const batchesBefore = sampleValue(families, 'chat_storage_batch_size_count')!;
    const jobsBefore = sampleValue(families, 'chat_storage_batch_size_sum')!;
    const commitsBefore = sampleValue(families, 'chat_storage_commit_duration_seconds_count')!;
    expect(batchesBefore).toBeGreaterThan(0);

    for (let i = 0; i < 5; i++) expect(await alice.client.call(1003, [bob.id, `secret text ${i}`])).toEqual(['200', 'Message sent']);
    for (let i = 0; i < 5; i++) await bob.client.nextPush(2001, (fields) => fields[2] === `secret text ${i}`);

    let text: string;
    ({ text, families } = await scrape(server));
    expect(sampleValue(families, 'chat_storage_batch_size_count')!).toBeGreaterThan(batchesBefore);
    expect(sampleValue(families, 'chat_storage_batch_size_sum')! - jobsBefore).toBeGreaterThanOrEqual(5);
    expect(sampleValue(families, 'chat_storage_commit_duration_seconds_count')!).toBeGreaterThan(commitsBefore);
    expect(text).not.toMatch(/alice|bob|secret text/);

    await alice.client.close();
    const deadline = Date.now() + 5000;
    while (sampleValue((await scrape(server)).families, 'chat_users_online') !== 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sampleValue((await scrape(server)).families, 'chat_users_online')).toBe(1);
  });

  it('keeps each server of a process to its own numbers', async () => {
    const busy = await start();
    const idle = await start();
    await busy.user('carol');
    expect(sampleValue((await scrape(busy)).families, 'chat_users_online')).toBe(1);
    expect(sampleValue((await scrape(idle)).families, 'chat_users_online')).toBe(0);
  });

  it(
    'counts connections, requests, stored and delivered messages, pushes and failed logins as the traffic goes',
    async () => {
      const server = await start();
      const alice = await server.user('alice');
      const bob = await server.user('bob');
      await befriend(alice, bob);
      for (let i = 0; i < 3; i++) expect(await alice.client.call(1003, [bob.id, `secret text ${i}`])).toEqual(['200', 'Message sent']);
      for (let i = 0; i < 3; i++) await bob.client.nextPush(2001, (fields) => fields[2] === `secret text ${i}`);
      const intruder = await server.connect();
      expect((await intruder.call(1001, ['alice', 'wrong password']))[0]).toBe('401');

      let { text, families } = await scrape(server);
      expect(sampleValue(families, 'chat_connections_open', { transport: 'tcp' })).toBe(3);
      expect(sampleValue(families, 'chat_requests_total', { command: 'register', status: '200' })).toBe(2);
      expect(sampleValue(families, 'chat_requests_total', { command: 'login', status: '200' })).toBe(2);
      expect(sampleValue(families, 'chat_requests_total', { command: 'login', status: '401' })).toBe(1);
      expect(sampleValue(families, 'chat_requests_total', { command: 'send_message', status: '200' })).toBe(3);
      expect(sampleValue(families, 'chat_request_duration_seconds_count', { command: 'send_message' })).toBe(3);
      expect(sampleValue(families, 'chat_messages_stored_total', { kind: 'direct' })).toBe(3);
      expect(sampleValue(families, 'chat_messages_delivered_total', { mode: 'live' })).toBe(3);
      expect(sampleValue(families, 'chat_pushes_written_total', { type: 'message_received' })).toBe(3);
      expect(sampleValue(families, 'chat_failed_logins_total', { command: 'login' })).toBe(1);
      expect(text).not.toMatch(/alice|bob|secret text|127\.0\.0\.1/);

      await intruder.close();
      const deadline = Date.now() + 5000;
      do {
        ({ families } = await scrape(server));
        if (sampleValue(families, 'chat_connections_open', { transport: 'tcp' }) === 2) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      } while (Date.now() < deadline);
      expect(sampleValue(families, 'chat_connections_open', { transport: 'tcp' })).toBe(2);
      expect(sampleValue(families, 'chat_connections_closed_total', { transport: 'tcp', reason: 'client_closed' })).toBe(1);
    },
  );
});
