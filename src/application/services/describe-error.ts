/**
 * A short description of an unexpected error for a log line: never a stack, and for a
 * database error (one that carries its query) only its name and code, never SQL text.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as Error & { code?: unknown }).code;
  if ('query' in error || 'sql' in error) return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}`;
  return `${error.name}: ${error.message}`;
}
