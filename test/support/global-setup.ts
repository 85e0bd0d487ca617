import { createConnection } from 'mysql2/promise';
import { parseMysqlUrl, redactDatabaseUrl } from '../../src/adapters/persistence/typeorm/database-url';
import { OUTAGE_VARIABLES, missingOutageVariables } from './mysql-outage';
import { missingClusterVariables, REDIS_URL_VARIABLE, redisAnswers, redisServerBinary, redisTarget, REDIS_SERVER_VARIABLE } from './redis';

/**
 * Runs once before the tests. Says, in one line each, which MySQL/MariaDB and
 * cluster (MySQL + Redis) tests are skipped and why; under CI=true a missing or
 * unreachable test database or Redis (or a missing way to stop and start them for
 * the outage tests) fails the run instead.
 */
export default async function globalSetup(): Promise<void> {
  await checkMysql();
  await checkCluster();
}

async function checkMysql(): Promise<void> {
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

async function checkCluster(): Promise<void> {
  const ci = process.env['CI'] === 'true';
  const missing = missingClusterVariables();
  if (missing.length > 0) {
    const reason = `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`;
    if (ci) throw new Error(`CI=true but ${reason}: the cluster tests must run in CI (.ci/run starts a MariaDB and a Redis and sets them)`);
    say(
      `Cluster tests (test/e2e/cluster) skipped: ${reason}. They need CHAT_TEST_MYSQL_URL and ${REDIS_URL_VARIABLE}=redis://host:port ` +
        '(a Redis they may share, each test under its own key prefix), or run .ci/run, which starts both.',
    );
    return;
  }
  const url = process.env[REDIS_URL_VARIABLE]!.trim();
  let target: { host: string; port: number };
  try {
    target = redisTarget(url);
  } catch {
    throw new Error(`${REDIS_URL_VARIABLE} is not a redis://host:port URL`);
  }
  if (!(await redisAnswers(target.host, target.port, 5000))) {
    throw new Error(`${REDIS_URL_VARIABLE} (redis://${target.host}:${target.port}) does not answer PING`);
  }
  const binary = redisServerBinary();
  if (binary === null) {
    const reason = `the Redis restart test needs a redis-server binary (${REDIS_SERVER_VARIABLE} or PATH) to run a Redis of its own`;
    if (ci) throw new Error(`CI=true but ${reason}`);
    say(`Cluster Redis restart test skipped: ${reason}.`);
  } else {
    say(`Cluster tests run on redis://${target.host}:${target.port}; the Redis restart test runs its own ${binary}.`);
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
