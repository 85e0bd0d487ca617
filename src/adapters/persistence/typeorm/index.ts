export {
  createDataSource,
  createMysqlDataSource,
  databaseEngine,
  MYSQL_MIGRATIONS,
  MYSQL_POOL_DEFAULTS,
  SQLITE_MIGRATIONS,
  type DatabaseEngine,
  type DatabaseOptions,
  type MysqlPoolOptions,
  type SqliteDataSourceOptions,
  type SqliteSynchronous,
} from './data-source';
export {
  DatabaseUrlError,
  describeMysqlTarget,
  isMysqlUrl,
  parseMysqlUrl,
  redactDatabaseUrl,
  type MysqlTarget,
} from './database-url';
export { DatabaseUnavailableError } from './connect';
export { isDeadlock } from './database-errors';
export { migrateDatabase, migrationStates, revertLastMigration, type MigrationState } from './migration-runner';
export { isUniqueViolation } from './unique-violation';
export type { Executor } from './executor';
export { MysqlExecutor } from './mysql-executor';
export { SqliteExecutor } from './sqlite-executor';
export { TypeOrmStorage, type TypeOrmStorageOptions } from './typeorm-storage';
export { TypeOrmAccountRepository } from './repositories/typeorm-account.repository';
export { TypeOrmActivityLog } from './repositories/typeorm-activity-log.repository';
export { TypeOrmFriendRequestRepository } from './repositories/typeorm-friend-request.repository';
export { TypeOrmFriendshipRepository } from './repositories/typeorm-friendship.repository';
export { TypeOrmGroupRepository } from './repositories/typeorm-group.repository';
export { TypeOrmMessageRepository } from './repositories/typeorm-message.repository';
export { TypeOrmSessionRepository } from './repositories/typeorm-session.repository';
export { TypeOrmSessionTokenRepository } from './repositories/typeorm-session-token.repository';
