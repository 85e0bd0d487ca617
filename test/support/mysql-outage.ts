import { execSync } from 'node:child_process';
import { isCi } from './mysql';

/**
 * The outage test stops and restarts a MySQL/MariaDB server, so it gets one of
 * its own, which no other test uses (the other tests run in parallel):
 * its URL, and the shell commands that stop it and start it again (`.ci/run`
 * points them at `.ci/mariadb.sh stop|start` for a second private server).
 */
export const OUTAGE_VARIABLES = {
  url: 'CHAT_TEST_MYSQL_OUTAGE_URL',
  stop: 'CHAT_TEST_MYSQL_STOP_CMD',
  start: 'CHAT_TEST_MYSQL_START_CMD',
} as const;

export interface OutageServer {
  readonly url: string;
  /** Stops the server and returns once it is down. */
  stop(): void;
  /** Starts the server and returns once it answers. */
  start(): void;
}

/** The variables the outage test needs that are not set. */
export function missingOutageVariables(): string[] {
  return Object.values(OUTAGE_VARIABLES).filter((name) => !process.env[name]?.trim());
}

/** The server the outage test may stop, or null to skip it (never under CI=true). */
export function outageServer(): OutageServer | null {
  const missing = missingOutageVariables();
  if (missing.length > 0) {
    if (isCi()) throw new Error(`CI=true but ${missing.join(', ')} not set: the outage test must run in CI`);
    return null;
  }
  const run = (name: string): void => {
    execSync(process.env[name]!, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  };
  return {
    url: process.env[OUTAGE_VARIABLES.url]!.trim(),
    stop: () => run(OUTAGE_VARIABLES.stop),
    start: () => run(OUTAGE_VARIABLES.start),
  };
}
