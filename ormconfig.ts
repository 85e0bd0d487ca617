import { createDataSource } from './src/adapters/persistence/typeorm/data-source';
import { loadConfig } from './src/bootstrap/config';

/**
 * The DataSource the TypeORM CLI uses (migration:run, migration:revert,
 * migration:show), on the same database as the server, configured the same way:
 * CHAT_DB names a SQLite file path, `:memory:`, or
 * `mysql://user:password@host:port/database` for MySQL or MariaDB, whose own
 * migrations it then lists. `npm run migrate` does the same without the CLI.
 */
const config = loadConfig(process.env);

export default createDataSource({
  database: config.database,
  synchronous: config.sqliteSynchronous,
  poolSize: config.dbPoolSize,
  connectTimeoutMs: config.dbConnectTimeoutMs,
  // Migrations may take long on big tables: no statement timeout here.
  queryTimeoutMs: 0,
  forCli: true,
});
