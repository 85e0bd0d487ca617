/**
 * The switch for the long hardening tests (fuzzing, crash rounds, slow readers,
 * slowloris): they run with CHAT_TEST_LONG=1, and always under CI=true (.ci/run
 * exports both), so a plain `npm test` stays fast. Switched off, each such block
 * is reported as skipped and says so in one line, with the way to turn it on.
 */
export const LONG_VARIABLE = 'CHAT_TEST_LONG';

/** Whether the long tests run in this process. */
export function longTestsEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[LONG_VARIABLE]?.trim().toLowerCase();
  return value === '1' || value === 'true' || value === 'yes' || env['CI'] === 'true';
}

/**
 * `describe` for a long block: the real one when the switch is on; otherwise the same
 * block skipped (its tests count as skipped), after one line saying why.
 */
export function describeLong(name: string, body: () => void): void {
  if (longTestsEnabled()) {
    describe(name, body);
    return;
  }
  process.stdout.write(
    `\n${name}: skipped (long test). Set ${LONG_VARIABLE}=1 to run it; it always runs under CI=true (.ci/run).\n`,
  );
  describe.skip(`${name} [long: set ${LONG_VARIABLE}=1]`, body);
}
