import { driverErrorCode } from './database-errors';

/** Driver error codes for a duplicate key: better-sqlite3 (SQLite) and mysql2 (MySQL, MariaDB). */
const UNIQUE_VIOLATION_CODES: ReadonlySet<string> = new Set([
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
  'ER_DUP_ENTRY',
]);

/** Whether a statement failed because a unique index or primary key already holds the value. */
export function isUniqueViolation(error: unknown): boolean {
  const code = driverErrorCode(error);
  return code !== null && UNIQUE_VIOLATION_CODES.has(code);
}
