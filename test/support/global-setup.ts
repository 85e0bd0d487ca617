import { createConnection } from 'mysql2/promise';
import { parseMysqlUrl, redactDatabaseUrl } from '../../src/adapters/persistence/typeorm/database-url';
import { OUTAGE_VARIABLES, missingOutageVariables } from './mysql-outage';

/**
 * Runs once before the tests. Says, in one line each, which MySQL/MariaDB tests
 * are skipped and why; under CI=true a missing or unreachable test database (or
 * a missing way to stop and start it for the outage test) fails the run instead.
 */
export default async function globalSetup(): Promise<void> {
  const ci = process.env['CI'] === 'true';
  const url = process.env['CHAT_TEST_MYSQL_URL']?.trim();
  if (!url) {
    if (ci) {
      throw new Error('CI=true but CHAT_TEST_MYSQL_URL is not set: the MySQL/MariaDB tests must run in CI (.ci/run starts a MariaDB and sets it)');
    }
    say(
      'MySQL/MariaDB tests skipped: CHAT_TEST_MYSQL_URL is not set. Set it to mysql://user:password@host:port/database ' +
        '(README, "Running on MySQL/MariaDB"), or run .ci/run, which starts a private MariaDB.',
    );
    return;
  }
  await checkReachable(url);
  const missing = missingOutageVariables();
  if (missing.length > 0) {
    const reason = `the MariaDB outage test needs ${missing.join(', ')} (a server it may stop and start; .ci/run sets them)`;
    if (ci) throw new Error(`CI=true but ${reason}`);
    say(`MySQL/MariaDB outage test skipped: ${reason}.`);
  } else {
    say(`MySQL/MariaDB tests run on ${redactDatabaseUrl(url)}; the outage test stops and starts ${redactDatabaseUrl(process.env[OUTAGE_VARIABLES.url] ?? '')}.`);
  }
}

async function checkReachable(url: string): Promise<void> {
  const target = parseMysqlUrl(url);
  try {
    const connection = await createConnection({
      host: target.host,
      port: target.port,
      user: target.user,
      password: target.password,
      connectTimeout: 5000,
    });
    await connection.end();
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown error';
    throw new Error(`CHAT_TEST_MYSQL_URL (${redactDatabaseUrl(url)}) cannot be reached: ${code}`);
  }
}

function say(line: string): void {
  process.stdout.write(`\n${line}\n`);
}
