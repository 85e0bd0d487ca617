import { createDataSource } from './src/adapters/persistence/typeorm/data-source';

/**
 * The DataSource the TypeORM CLI uses (migration:run, migration:revert,
 * migration:show), on the same database as the server: CHAT_DB, a SQLite file
 * path or `:memory:`. MySQL URLs are refused with a clear error until supported.
 */
const database = process.env['CHAT_DB'] || './data/chat.sqlite';

export default createDataSource({ database });
