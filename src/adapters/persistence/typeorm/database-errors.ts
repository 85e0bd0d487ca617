import { QueryFailedError } from 'typeorm';

/** What a driver error carries: mysql2 and better-sqlite3 both set `code`; mysql2 also `errno`. */
interface DriverErrorFields {
  readonly code?: unknown;
  readonly errno?: unknown;
}

/** The driver's own error behind a TypeORM QueryFailedError, or the error itself. */
export function driverErrorOf(error: unknown): DriverErrorFields | null {
  const driverError: unknown = error instanceof QueryFailedError ? error.driverError : error;
  return typeof driverError === 'object' && driverError !== null ? driverError : null;
}

/** The driver's error code (`ER_DUP_ENTRY`, `SQLITE_CONSTRAINT_UNIQUE`, `ECONNREFUSED`), if any. */
export function driverErrorCode(error: unknown): string | null {
  const code = driverErrorOf(error)?.code;
  return typeof code === 'string' ? code : null;
}

/** MySQL's ER_LOCK_DEADLOCK: the server chose this transaction as a deadlock victim and rolled it back. */
const ER_LOCK_DEADLOCK = 1213;

/**
 * Whether MySQL rolled the whole transaction back to break a deadlock. Nothing of
 * it is left (its savepoints neither), and running it again is the cure.
 */
export function isDeadlock(error: unknown): boolean {
  const fields = driverErrorOf(error);
  return fields?.code === 'ER_LOCK_DEADLOCK' || fields?.errno === ER_LOCK_DEADLOCK;
}
