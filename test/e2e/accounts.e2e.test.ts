import { startTestServer, type TestServer } from '../support/e2e-server';

describe('REGISTER, LOGIN, LOGOUT over TCP', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer({ loginMaxFailures: 3 });
  });
  afterEach(() => t.stop());

  it('registers, logs in with the name as registered whatever the case, logs out and in again', async () => {
    const c = await t.connect();
    const [status, id] = await c.call(1000, ['Alice', 'password123']);
    expect(status).toBe('200');
    expect(await c.call(1001, ['aLiCe', 'password123'])).toEqual(['200', id, 'Alice']);
    expect(await c.call(1001, ['Alice', 'password123'])).toEqual(['409', 'Already logged in']);
    expect(await c.call(1002)).toEqual(['200', 'Logged out successfully']);
    expect(await c.call(1009)).toEqual(['401', 'Not logged in']);
    expect(await c.call(1001, ['alice', 'password123'])).toEqual(['200', id, 'Alice']);
  });

  it('refuses a taken name in any case and names that break the rules', async () => {
    const c = await t.connect();
    expect((await c.call(1000, ['bob', 'password123']))[0]).toBe('200');
    expect(await c.call(1000, ['BOB', 'password123'])).toEqual(['409', 'Username already exists']);
    expect((await c.call(1000, ['ab', 'password123']))[0]).toBe('400');
    expect((await c.call(1000, ['a'.repeat(33), 'password123']))[0]).toBe('400');
    expect((await c.call(1000, ['bad name', 'password123']))[0]).toBe('400');
    expect((await c.call(1000, ['carol', 'short']))[0]).toBe('400');
    expect((await c.call(1000, 'nopipe'))[0]).toBe('400');
  });

  it('joins surplus fields into the password, the last free-text field', async () => {
    const c = await t.connect();
    expect((await c.request(1000, 'dave|pass|word|123')).payload).toMatch(/^200\|\d+$/);
    expect((await c.call(1001, 'dave|pass|word|123'))[0]).toBe('200');
  });

  it('answers 401 for wrong or malformed credentials and 400 for a payload without a pipe', async () => {
    const c = await t.connect();
    await c.call(1000, ['erin', 'password123']);
    expect(await c.call(1001, ['erin', 'wrongpassword'])).toEqual(['401', 'Invalid credentials']);
    expect(await c.call(1001, ['nobody', 'password123'])).toEqual(['401', 'Invalid credentials']);
    expect(await c.call(1001, ['x', 'y'])).toEqual(['401', 'Invalid credentials']);
    expect((await c.call(1001, 'erin'))[0]).toBe('400');
  });

  it('answers 429 after repeated failures, even with the right password', async () => {
    const c = await t.connect();
    await c.call(1000, ['frank', 'password123']);
    for (let i = 0; i < 3; i++) expect((await c.call(1001, ['frank', 'nope-nope']))[0]).toBe('401');
    expect(await c.call(1001, ['frank', 'password123'])).toEqual(['429', 'Too many attempts']);
    expect(await c.call(1001, ['FRANK', 'password123'])).toEqual(['429', 'Too many attempts']);
  });

  it('lets one user be logged in on several connections, pushing to each', async () => {
    const gina = await t.user('gina');
    const second = await t.connect();
    expect((await second.call(1001, ['gina', 'password123']))[0]).toBe('200');
    const henry = await t.user('henry');
    expect(await henry.client.call(1003, [gina.id, 'hello both'])).toEqual(['200', 'Message sent']);
    const [a, b] = await Promise.all([gina.client.nextPush(2001), second.nextPush(2001)]);
    expect(a.slice(0, 3)).toEqual([String(henry.id), 'henry', 'hello both']);
    expect(b).toEqual(a);
  });
});
