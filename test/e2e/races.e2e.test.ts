import { startTestServer, type TestServer } from '../support/e2e-server';

describe('races over TCP', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(() => t.stop());

  it('accepts one friend request from two connections at once exactly once', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const phone = await t.connect();
    await phone.call(1001, ['bob', 'password123']);
    await alice.client.call(1005, 'bob');
    const [, , , requestId] = await bob.client.nextPush(2003);
    const answers = await Promise.all([bob.client.call(1006, requestId!), phone.call(1006, requestId!)]);
    expect(answers.map((a) => a[0]).sort()).toEqual(['200', '404']);
    expect(await alice.client.call(1009)).toEqual(['1', String(bob.id), 'bob', 'online']);
  });

  it('registers one name twenty times in parallel with exactly one 200', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => t.connect()));
    const replies = await Promise.all(clients.map((c, i) => c.call(1000, [i % 2 ? 'racer' : 'RACER', 'password123'])));
    const statuses = replies.map((r) => r[0]);
    expect(statuses.filter((s) => s === '200')).toHaveLength(1);
    expect(statuses.filter((s) => s === '409')).toHaveLength(19);
  });
});
