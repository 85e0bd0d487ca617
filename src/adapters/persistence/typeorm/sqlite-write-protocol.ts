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

export type ThreadRequest = { readonly kind: 'batch'; readonly jobs: readonly WriteJob[] } | { readonly kind: 'close' };

/** An error as it crosses threads: the driver's code and the failed statement's text, never its values. */
export interface WireFailure {
  readonly message: string;
  readonly code?: string;
  readonly sql?: string;
}

export type WireOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: WireFailure };

/**
 * A batch's outcome: one per job that ran, in order; the jobs after them did not run
 * (their batch was lost first) and are to be sent again. `commitSeconds` is null when
 * nothing was committed.
 */
export interface BatchReply {
  readonly kind: 'batch';
  readonly outcomes: readonly WireOutcome[];
  readonly commitSeconds: number | null;
}

export type ThreadReply = BatchReply | { readonly kind: 'ready' } | { readonly kind: 'closed' };

export function failureToWire(error: unknown): WireFailure {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const message = 'message' in error ? String(error.message) : String(error);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const sql = 'sql' in error && typeof error.sql === 'string' ? error.sql : undefined;
  return { message, ...(code === undefined ? {} : { code }), ...(sql === undefined ? {} : { sql }) };
}
