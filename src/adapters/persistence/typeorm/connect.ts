import type { DataSource } from 'typeorm';
import { driverErrorCode } from './database-errors';
import { describeMysqlTarget, isMysqlUrl, parseMysqlUrl } from './database-url';

/** The database could not be reached or refused us; the message names it without its password. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/**
 * Initializes a DataSource. A MySQL server that cannot be reached, or refuses the
 * credentials, becomes one clear error naming `user@host:port/database` and the
 * driver's code (ECONNREFUSED, ER_ACCESS_DENIED_ERROR, ...), never the password.
 */
export async function connectDataSource(dataSource: DataSource, database: string): Promise<DataSource> {
  try {
    return await dataSource.initialize();
  } catch (error) {
    if (!isMysqlUrl(database)) throw error;
    const reason = driverErrorCode(error) ?? (error instanceof Error ? error.name : 'unknown error');
    throw new DatabaseUnavailableError(
      `cannot open the MySQL database ${describeMysqlTarget(parseMysqlUrl(database))} (${reason})`,
      { cause: error },
    );
  }
}
