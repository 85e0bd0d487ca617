import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMysqlUrl } from '../../src/adapters/persistence/typeorm/database-url';
import { runMigrate } from '../../src/bootstrap/migrate-cli';
import { mysqlTestUrl, recreateDatabase, urlOfDatabase, workerDatabaseName } from '../support/mysql';

/** `npm run migrate` on each engine that has migrations: SQLite always, MySQL/MariaDB when configured. */
const engines: Array<[string, () => Promise<{ database: string; dispose(): void }>]> = [
  [
    'sqlite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'chat-migrate-'));
      return { database: join(dir, 'chat.sqlite'), dispose: () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];
const mysqlUrl = mysqlTestUrl();
if (mysqlUrl !== null) {
  engines.push([
    'mysql',
    async () => {
      const name = workerDatabaseName(mysqlUrl, 'migrate_cli');
      await recreateDatabase(mysqlUrl, name);
      return { database: urlOfDatabase(mysqlUrl, name), dispose: () => undefined };
    },
  ]);
}

describe.each(engines)('npm run migrate on %s', (_engine, freshDatabase) => {
  let database: string;
  let dispose = (): void => undefined;
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(`error: ${line}`) };
  const migrate = (...args: string[]) => runMigrate(args, { CHAT_DB: database }, io);

  beforeEach(async () => {
    ({ database, dispose } = await freshDatabase());
    lines.length = 0;
  });
  afterEach(() => dispose());

  it('applies the pending migrations once, shows them, and reverts the last one', async () => {
    // MySQL has one migration more: its ids become BIGINT (SQLite's INTEGER is 64-bit already).
    const names = [
      'InitialSchema1764201600000',
      'SessionTokens1764806400000',
      'History1764892800000',
      'Safety1764979200000',
      ...(database.startsWith('mysql://') ? ['BigintIdsMysql1765065600000'] : []),
    ];
    expect(await migrate('show')).toBe(0);
    expect(await migrate()).toBe(0);
    expect(await migrate('run')).toBe(0);
    expect(await migrate('show')).toBe(0);
    for (let i = 0; i <= names.length; i++) expect(await migrate('revert')).toBe(0);

    expect(lines).toEqual([
      ...names.map((name) => `[ ] ${name}`),
      expect.stringMatching(new RegExp(`^applied ${names.join(', ')} to the (SQLite|MySQL) database `)),
      expect.stringMatching(/ is up to date$/),
      ...names.map((name) => `[X] ${name}`),
      ...[...names].reverse().map((name) => expect.stringMatching(new RegExp(`^reverted ${name} in the `))),
      expect.stringMatching(/^nothing to revert in the /),
    ]);
    if (database.startsWith('mysql://')) expect(lines.join('\n')).not.toContain(`:${parseMysqlUrl(database).password}@`);
  });

  it('answers an unknown command with its usage', async () => {
    expect(await migrate('frobnicate')).toBe(2);
    expect(lines.join('\n')).toMatch(/unknown command "frobnicate"[\s\S]*usage: npm run migrate/);
  });
});
