import { QueryFailedError } from 'typeorm';

/** Driver error codes for a duplicate key: better-sqlite3 (SQLite) and mysql2 (MySQL, MariaDB). */
const UNIQUE_VIOLATION_CODES: ReadonlySet<string> = new Set([
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
  'ER_DUP_ENTRY',
]);

/** Whether a statement failed because a unique index or primary key already holds the value. */
export function isUniqueViolation(error: unknown): boolean {
  const driverError: unknown = error instanceof QueryFailedError ? error.driverError : error;
  if (typeof driverError !== 'object' || driverError === null || !('code' in driverError)) return false;
  const code = driverError.code;
  return typeof code === 'string' && UNIQUE_VIOLATION_CODES.has(code);
}
