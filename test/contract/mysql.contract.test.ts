import { describeOnMysql, freshMysqlStorage } from '../support/mysql';
import { describeConversationContract } from './conversation-contract';
import { describeRepositoryContract } from './repository-contract';
import { describeSafetyContract } from './safety-contract';

// This Jest worker's own database, emptied before each test (migrations run once per worker).
describeOnMysql()('on MySQL/MariaDB (CHAT_TEST_MYSQL_URL)', () => {
  describeRepositoryContract('TypeORM on MySQL/MariaDB', () => freshMysqlStorage());
  describeConversationContract('TypeORM on MySQL/MariaDB', () => freshMysqlStorage());
  describeSafetyContract('TypeORM on MySQL/MariaDB', () => freshMysqlStorage());
});
