/** What the main thread and the SQLite write thread say to each other (structured clones only). */

/** What the write thread is started with. */
export interface WriteThreadSetup {
  readonly file: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly busyTimeoutMs: number;
  /** A file path to resolve the driver package from: the worker may run from evaluated code. */
  readonly requireFrom: string;
}

export function isWriteThreadSetup(value: unknown): value is WriteThreadSetup {
  return (
    typeof value === 'object' &&
    value !== null &&
    'file' in value &&
    typeof value.file === 'string' &&
    'synchronous' in value &&
    (value.synchronous === 'FULL' || value.synchronous === 'NORMAL') &&
    'busyTimeoutMs' in value &&
    typeof value.busyTimeoutMs === 'number' &&
    'requireFrom' in value &&
    typeof value.requireFrom === 'string'
  );
}

/** One job: an operation's name (sqlite-operations.ts) and its arguments. */
export type WriteJob = readonly [name: string, args: readonly unknown[]];

/**
 * Jobs to run after every job sent before them; any number may be on their way at
 * once. `close` ends the thread once the jobs sent before it are answered.
 */
export type ThreadRequest = { readonly kind: 'jobs'; readonly jobs: readonly WriteJob[] } | { readonly kind: 'close' };

/** An error as it crosses threads: the driver's code and the failed statement's text, never its values. */
export interface WireFailure {
  readonly message: string;
  readonly code?: string;
  readonly sql?: string;
}

export type WireOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: WireFailure };

/**
 * The outcomes of the next jobs not yet answered, in the order they were sent: one
 * transaction's jobs once it committed (`commitSeconds` is how long the COMMIT took),
 * or the jobs a lost transaction had run, all failed (`commitSeconds` is null).
 */
export interface SettledReply {
  readonly kind: 'settled';
  readonly outcomes: readonly WireOutcome[];
  readonly commitSeconds: number | null;
}

export type ThreadReply = SettledReply | { readonly kind: 'ready' } | { readonly kind: 'closed' };

export function failureToWire(error: unknown): WireFailure {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const message = 'message' in error ? String(error.message) : String(error);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const sql = 'sql' in error && typeof error.sql === 'string' ? error.sql : undefined;
  return { message, ...(code === undefined ? {} : { code }), ...(sql === undefined ? {} : { sql }) };
}
