import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseMysqlUrl } from '../../../src/adapters/persistence/typeorm/database-url';
import { befriend } from '../../support/e2e-server';
import { describeOnMysql, freshWorkerDatabase, recreateDatabase, urlOfDatabase, workerDatabaseName } from '../../support/mysql';
import { outageServer } from '../../support/mysql-outage';
import { ROOT, SERVER_MAIN as MAIN, startServerProcess as startProcess, type ServerProcess } from '../../support/server-process';
import { TestClient } from '../../support/test-client';

/**
 * The built server as `npm start` runs it, on MySQL/MariaDB: nothing but CHAT_DB
 * differs from a SQLite deployment. `npm test` builds dist/ first.
 */
const ADMIN = join(ROOT, 'dist', 'src', 'bootstrap', 'admin-cli.js');

/** Everything the server printed, for the checks that nothing secret was. */
const outputOf = (server: ServerProcess): string => `${JSON.stringify(server.logs())}\n${server.otherOutput()}`;

async function loggedIn(port: number, name: string): Promise<{ client: TestClient; id: number; name: string }> {
  const client = await TestClient.connect(port);
  expect((await client.call(1000, [name, 'password123']))[0]).toBe('200');
  const [status, id] = await client.call(1001, [name, 'password123']);
  expect(status).toBe('200');
  return { client, id: Number(id), name };
}

/** What a log may never show: the password, or SQL. */
function expectNoSecrets(output: string, password: string): void {
  expect(output).not.toContain(password);
  expect(output).not.toMatch(/\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|START TRANSACTION)\b/);
}

describeOnMysql()('the server process on MySQL/MariaDB', () => {
  const outage = outageServer();
  let running: ServerProcess[] = [];
  const clients: TestClient[] = [];

  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.destroy()));
    for (const server of running) server.child.kill('SIGKILL');
    running = [];
  });

  it('serves with only CHAT_DB changed, bans through the admin command, stops on SIGTERM, and never logs the password', async () => {
    const database = await freshWorkerDatabase();
    const server = await startProcess({ CHAT_DB: database });
    running.push(server);
    const alice = await loggedIn(server.port, 'alice');
    const bob = await loggedIn(server.port, 'bob');
    clients.push(alice.client, bob.client);
    await befriend(alice, bob);
    expect(await alice.client.call(1003, [bob.id, 'hello over MariaDB 🐬'])).toEqual(['200', 'Message sent']);
    expect((await bob.client.nextPush(2001))[2]).toBe('hello over MariaDB 🐬');

    const ban = spawnSync(process.execPath, [ADMIN, 'ban', 'BOB'], { env: { ...process.env, CHAT_DB: database }, encoding: 'utf8' });
    expect(ban.stderr).toBe('');
    expect(ban.stdout).toMatch(/banned bob/);
    expect(ban.status).toBe(0);
    await bob.client.closed;
    expect(await alice.client.nextPush(2006)).toEqual([String(bob.id), 'bob', 'offline']);

    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    expectNoSecrets(outputOf(server), parseMysqlUrl(database).password);
  });

  it('refuses to start with a clear message, without the password, when the database cannot be reached', () => {
    const target = parseMysqlUrl(urlOfDatabase(process.env['CHAT_TEST_MYSQL_URL']!, 'nowhere'));
    const result = spawnSync(process.execPath, [MAIN], {
      env: { ...process.env, CHAT_PORT: '0', CHAT_DB: `mysql://${target.user}:secret-4711@127.0.0.1:1/nowhere`, CHAT_DB_CONNECT_TIMEOUT_MS: '2000' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/cannot open the MySQL database .*@127\.0\.0\.1:1\/nowhere \(ECONNREFUSED\)/);
    expectNoSecrets(result.stdout + result.stderr, 'secret-4711');
  });

  (outage ? it : it.skip)(
    `answers 500 while MariaDB is stopped, stays up, and the same connection works once it is back${
      outage ? '' : ' (skipped: set CHAT_TEST_MYSQL_OUTAGE_URL, CHAT_TEST_MYSQL_STOP_CMD and CHAT_TEST_MYSQL_START_CMD)'
    }`,
    async () => {
      const { url, stop, start } = outage!;
      const name = workerDatabaseName(url, 'outage');
      await recreateDatabase(url, name);
      const database = urlOfDatabase(url, name);
      const server = await startProcess({
        CHAT_DB: database,
        CHAT_DB_CONNECT_TIMEOUT_MS: '2000',
        CHAT_DB_QUERY_TIMEOUT_MS: '5000',
        CHAT_BAN_CHECK_MS: '200',
      });
      running.push(server);
      const alice = await loggedIn(server.port, 'alice');
      const bob = await loggedIn(server.port, 'bob');
      clients.push(alice.client, bob.client);
      expect(await alice.client.call(1003, [bob.id, 'before'])).toEqual(['200', 'Message sent']);
      expect((await bob.client.nextPush(2001))[2]).toBe('before');

      stop();
      try {
        // Every request that needs the database fails alone, without internals; the rest still works.
        expect(await alice.client.call(1003, [bob.id, 'during'])).toEqual(['500', 'Server error']);
        expect(await alice.client.call(1009)).toEqual(['500', 'Server error']);
        expect(await bob.client.call(1014)).toEqual(['500', 'Server error']);
        expect(await alice.client.call(1019)).toEqual(['200', 'PONG']);
        const newcomer = await TestClient.connect(server.port);
        clients.push(newcomer);
        expect(await newcomer.call(1000, ['carol', 'password123'])).toEqual(['500', 'Server error']);
        expect(await newcomer.call(1001, ['alice', 'password123'])).toEqual(['500', 'Server error']);
        // Let the ban check fail a few times in the background.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect(server.child.exitCode).toBeNull();
        expect(alice.client.isOpen && bob.client.isOpen).toBe(true);
      } finally {
        start();
      }

      // The same connections, without logging in again.
      let reply: string[] = [];
      const deadline = Date.now() + 20_000;
      do {
        reply = await alice.client.call(1003, [bob.id, 'after']);
        if (reply[0] !== '200') await new Promise((resolve) => setTimeout(resolve, 250));
      } while (reply[0] !== '200' && Date.now() < deadline);
      expect(reply).toEqual(['200', 'Message sent']);
      expect((await bob.client.nextPush(2001, (fields) => fields[2] === 'after'))[2]).toBe('after');
      expect(await bob.client.call(1014)).toEqual(['0']);
      expect((await alice.client.call(1009))[0]).toBe('0');
      expect(server.child.exitCode).toBeNull();
      // The background ban check recovers by itself too (it runs every CHAT_BAN_CHECK_MS).
      await server.waitForLog((line) => line.msg === 'ban check works again');

      server.child.kill('SIGTERM');
      expect((await server.exited).code).toBe(0);
      const output = outputOf(server);
      expectNoSecrets(output, parseMysqlUrl(database).password);
      expect(output).toMatch(/"msg":"ban check failed"/);
    },
    90_000,
  );
});
