/**
 * An unexpected error for a log line: its name, and its code when it has one. Never its
 * message or stack: messages can quote what a client sent (a parser's error does), SQL,
 * or a password, and no payload may reach the logs.
 */
export function errorSummary(error: unknown): string {
  // Checked by shape, not `instanceof Error`: errors may come from another realm.
  if (typeof error !== 'object' || error === null || !('name' in error) || typeof error.name !== 'string') {
    return typeof error;
  }
  return 'code' in error && typeof error.code === 'string' ? `${error.name} ${error.code}` : error.name;
}
