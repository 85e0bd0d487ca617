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
    expect(dataSource).toMatchObject({ options: { migrations: [expect.any(Function)] } });
  });

  it('refuses a MySQL URL with a clear error, for now', () => {
    expect(() => loadOrmconfig('mysql://chat:secret@db:3306/chat')).toThrow(/MySQL databases are not supported yet/);
  });
});
