/** The DataSource the TypeORM CLI loads, built from CHAT_DB when the module is first required. */
function loadOrmconfig(chatDb: string | undefined): unknown {
  const saved = process.env['CHAT_DB'];
  if (chatDb === undefined) delete process.env['CHAT_DB'];
  else process.env['CHAT_DB'] = chatDb;
  try {
    let exported: unknown;
    jest.isolateModules(() => {
      const loaded: { default: unknown } = require('../../ormconfig');
      exported = loaded.default;
    });
    return exported;
  } finally {
    if (saved === undefined) delete process.env['CHAT_DB'];
    else process.env['CHAT_DB'] = saved;
  }
}

describe('ormconfig', () => {
  it('uses ./data/chat.sqlite when CHAT_DB is not set', () => {
    expect(loadOrmconfig(undefined)).toMatchObject({
      options: { type: 'better-sqlite3', database: './data/chat.sqlite', synchronize: false },
    });
  });

  it('uses the SQLite file CHAT_DB names, with the committed migrations', () => {
    const dataSource = loadOrmconfig('/var/lib/chat/chat.sqlite');

    expect(dataSource).toMatchObject({ options: { database: '/var/lib/chat/chat.sqlite' } });
    expect(dataSource).toMatchObject({ options: { migrations: [expect.any(Function), expect.any(Function), expect.any(Function), expect.any(Function)] } });
  });

  it('uses the MySQL/MariaDB database a mysql:// URL names, with the MySQL migrations', () => {
    const dataSource = loadOrmconfig('mysql://chat:s%40cret@db.example:3307/chat');

    expect(dataSource).toMatchObject({
      options: {
        type: 'mysql',
        host: 'db.example',
        port: 3307,
        username: 'chat',
        password: 's@cret',
        database: 'chat',
        charset: 'utf8mb4_unicode_ci',
        synchronize: false,
        migrations: [expect.any(Function), expect.any(Function), expect.any(Function), expect.any(Function), expect.any(Function)],
      },
    });
    // MySQL has one more: its ids become BIGINT (SQLite's INTEGER is 64-bit already).
    expect(dataSource).toHaveProperty('options.migrations.4.name', 'BigintIdsMysql1765065600000');
    // The MySQL twin of the SQLite migration: a class, so its name is the class's.
    expect(dataSource).toHaveProperty('options.migrations.0.name', 'InitialSchemaMysql1764201600000');
    expect(dataSource).toHaveProperty('options.migrations.1.name', 'SessionTokensMysql1764806400000');
    expect(dataSource).toHaveProperty('options.migrations.2.name', 'HistoryMysql1764892800000');
    expect(dataSource).toHaveProperty('options.migrations.3.name', 'SafetyMysql1764979200000');
  });

  it('refuses other URLs without repeating them', () => {
    expect(() => loadOrmconfig('postgres://chat:secret@db/chat')).toThrow(/CHAT_DB: .*postgres:\/\/ URL/);
    expect(() => loadOrmconfig('postgres://chat:secret@db/chat')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret') }));
  });
});
