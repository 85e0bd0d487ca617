import { redactDatabaseUrl } from '../adapters/persistence/typeorm/database-url';
import { PinoLogger } from '../adapters/system/pino-logger';
import { ConfigError, loadConfig, readTlsCredentials } from './config';
import { startServer } from './start-server';
import { isWorkerPrimary, runWorkers } from './workers';
import { describeError } from '../application';

/** `npm start`: the TCP server configured from CHAT_* variables. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = new PinoLogger({ level: config.logLevel });
  const tls = readTlsCredentials(config);
  if (isWorkerPrimary(config.workers)) {
    runWorkers(config.workers, config.nodeId, logger);
    return;
  }
  const cluster = config.redisUrl
    ? { redisUrl: config.redisUrl, prefix: config.redisPrefix, nodeTtlMs: config.nodeTtlMs }
    : undefined;
  const server = await startServer({ ...config, storage: config.database, logger, tls, cluster });
  logger.info('chat server listening', {
    host: server.host,
    port: server.port,
    httpPort: server.httpPort,
    // A mysql:// URL carries a password: log it without.
    database: redactDatabaseUrl(config.database),
    tls: tls !== undefined,
    ...(cluster ? { nodeId: config.nodeId, redis: redactDatabaseUrl(cluster.redisUrl) } : {}),
  });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    server.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('shutdown failed', { error: describeError(error) });
        process.exit(1);
      },
    );
  };
  // A bug in one connection's handling must not take the others down with it.
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { error: describeError(reason) }));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : describeError(error);
  process.stderr.write(`chat server failed to start: ${message}\n`);
  process.exit(1);
});
