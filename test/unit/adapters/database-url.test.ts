import {
  DatabaseUrlError,
  describeMysqlTarget,
  isMysqlUrl,
  parseMysqlUrl,
  redactDatabaseUrl,
  urlScheme,
} from '../../../src/adapters/persistence/typeorm/database-url';
import { databaseEngine } from '../../../src/adapters/persistence/typeorm/data-source';

describe('CHAT_DB values', () => {
  it('tells a MySQL URL from a SQLite path', () => {
    expect(databaseEngine('mysql://chat:pw@db/chat')).toBe('mysql');
    expect(databaseEngine('MYSQL://chat@db/chat')).toBe('mysql');
    expect(databaseEngine('./data/mysql.sqlite')).toBe('sqlite');
    expect(databaseEngine(':memory:')).toBe('sqlite');
    expect(isMysqlUrl('postgres://u@h/db')).toBe(false);
    expect(urlScheme('Postgres://u@h/db')).toBe('postgres');
    expect(urlScheme('C:\\data\\chat.sqlite')).toBeNull();
  });

  it('reads user, percent-encoded password, host, port (3306 by default) and database', () => {
    expect(parseMysqlUrl('mysql://chat:p%40ss%3Aw%2Frd@db.example:3307/chat_prod')).toEqual({
      host: 'db.example',
      port: 3307,
      user: 'chat',
      password: 'p@ss:w/rd',
      database: 'chat_prod',
    });
    expect(parseMysqlUrl('mysql://chat@127.0.0.1/chat')).toMatchObject({ port: 3306, password: '' });
    expect(parseMysqlUrl('mysql://chat:pw@[::1]:3306/chat')).toMatchObject({ host: '::1' });
  });

  it.each([
    ['mysql://chat:secret@db', /exactly one database/],
    ['mysql://chat:secret@db/', /exactly one database/],
    ['mysql://chat:secret@db/a/b', /exactly one database/],
    ['mysql://chat:secret@db:0/chat', /invalid port/],
    ['mysql://:secret@db/chat', /names no user/],
    ['mysql://chat:secret@db/chat?ssl=1', /takes no \?options/],
    ['mysql://chat:%E0%A4%A@db/chat', /badly percent-encoded password/],
    ['mysql://chat:secret@/chat', /malformed|no host/],
  ])('refuses %s without repeating it', (url, reason) => {
    expect(() => parseMysqlUrl(url)).toThrow(DatabaseUrlError);
    expect(() => parseMysqlUrl(url)).toThrow(reason);
    expect(() => parseMysqlUrl(url)).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret') }));
  });

  it('redacts the password of any URL, and leaves file paths alone', () => {
    expect(redactDatabaseUrl('mysql://chat:secret@db:3306/chat')).toBe('mysql://chat:***@db:3306/chat');
    expect(redactDatabaseUrl('mysql://chat:se/cr@et@db/chat')).toBe('mysql://chat:***@db/chat');
    expect(redactDatabaseUrl('mysql://chat@db/chat')).toBe('mysql://chat@db/chat');
    expect(redactDatabaseUrl('postgres://u:secret@h/db')).toBe('postgres://u:***@h/db');
    expect(redactDatabaseUrl('./data/chat.sqlite')).toBe('./data/chat.sqlite');
  });

  it('describes a target as user@host:port/database', () => {
    expect(describeMysqlTarget(parseMysqlUrl('mysql://chat:secret@db:3307/chat'))).toBe('chat@db:3307/chat');
    expect(describeMysqlTarget(parseMysqlUrl('mysql://chat:secret@[::1]/chat'))).toBe('chat@[::1]:3306/chat');
  });
});
