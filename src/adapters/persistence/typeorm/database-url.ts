/** Where a MySQL or MariaDB database is, read from a `mysql://user:password@host:port/database` URL. */
export interface MysqlTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export const DEFAULT_MYSQL_PORT = 3306;

/** A database URL that cannot be used; its message never repeats the URL (it may hold a password). */
export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
}

const MYSQL_SCHEME = /^mysql:\/\//i;
const ANY_SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Whether a CHAT_DB value names a MySQL/MariaDB database rather than a SQLite file. */
export function isMysqlUrl(database: string): boolean {
  return MYSQL_SCHEME.test(database);
}

/** The scheme of a `scheme://...` value (`postgres`, `mysql`), or null for a file path. */
export function urlScheme(database: string): string | null {
  return ANY_SCHEME.exec(database)?.[1]?.toLowerCase() ?? null;
}

/**
 * Reads `mysql://user:password@host:port/database`. User and password may be
 * percent-encoded (`p%40ss` for `p@ss`); the port defaults to 3306. Throws a
 * DatabaseUrlError that says what is wrong without repeating the URL.
 */
export function parseMysqlUrl(database: string): MysqlTarget {
  if (!isMysqlUrl(database)) throw new DatabaseUrlError('not a mysql:// URL');
  let url: URL;
  try {
    url = new URL(database);
  } catch {
    throw new DatabaseUrlError('the mysql:// URL is malformed (expected mysql://user:password@host:port/database)');
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new DatabaseUrlError('the mysql:// URL names no host');
  const port = url.port === '' ? DEFAULT_MYSQL_PORT : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new DatabaseUrlError('the mysql:// URL has an invalid port');
  }
  const user = decode(url.username, 'user name');
  if (user === '') throw new DatabaseUrlError('the mysql:// URL names no user (mysql://user:password@host:port/database)');
  const name = decode(url.pathname.replace(/^\//, ''), 'database name');
  if (name === '' || name.includes('/')) {
    throw new DatabaseUrlError('the mysql:// URL must name exactly one database (mysql://user:password@host:port/database)');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new DatabaseUrlError('the mysql:// URL takes no ?options or #fragment (pool size and timeouts are CHAT_DB_* variables)');
  }
  return { host, port, user, password: decode(url.password, 'password'), database: name };
}

/** `user@host:port/database`: enough to tell which database, and no password. */
export function describeMysqlTarget(target: MysqlTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${target.user}@${host}:${target.port}/${target.database}`;
}

/**
 * A CHAT_DB value fit for a log line or an error: a URL loses its password
 * (`mysql://chat:***@db:3306/chat`); a file path is returned as it is.
 */
export function redactDatabaseUrl(database: string): string {
  if (urlScheme(database) === null) return database;
  // Everything between "scheme://" and the last "@" counts as credentials, even a
  // password with an unencoded "/" or "@" in it.
  return database.replace(/^([a-z][a-z0-9+.-]*:\/\/)(.*)@/is, (_match, scheme: string, credentials: string) => {
    const user = credentials.split(':')[0] ?? '';
    return `${scheme}${user}${credentials.includes(':') ? ':***' : ''}@`;
  });
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new DatabaseUrlError(`the mysql:// URL has a badly percent-encoded ${what}`);
  }
}
