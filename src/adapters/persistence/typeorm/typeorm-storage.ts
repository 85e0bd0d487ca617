import type { DataSource } from 'typeorm';
import type { Repositories, Storage, UnitOfWork } from '../../../application/ports';
import { createDataSource, type SqliteSynchronous } from './data-source';
import { SqliteExecutor } from './sqlite-executor';
import { createRepositories } from './typeorm-repositories';
import { TypeOrmUnitOfWork } from './typeorm-unit-of-work';

export interface TypeOrmStorageOptions {
  /** A SQLite file path (its folder is created when missing) or `:memory:`. */
  readonly database: string;
  /** SQLite's `synchronous` pragma; FULL unless said otherwise. */
  readonly synchronous?: SqliteSynchronous;
}

/** Storage on a relational database through TypeORM; today SQLite (better-sqlite3). */
export class TypeOrmStorage implements Storage {
  readonly repositories: Repositories;
  readonly unitOfWork: UnitOfWork;

  private constructor(
    private readonly dataSource: DataSource,
    private readonly executor: SqliteExecutor,
  ) {
    this.repositories = createRepositories(executor);
    this.unitOfWork = new TypeOrmUnitOfWork((work) => executor.atomically(work));
  }

  /** Connects and applies pending migrations, each in its own transaction. */
  static async open(options: TypeOrmStorageOptions): Promise<TypeOrmStorage> {
    const dataSource = createDataSource(options);
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } catch (error) {
      await dataSource.destroy();
      throw error;
    }
    return new TypeOrmStorage(dataSource, new SqliteExecutor(dataSource.manager));
  }

  /** Waits for the work already queued, then closes the database. Closing twice is harmless. */
  close(): Promise<void> {
    return this.executor.exclusive(async () => {
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
    });
  }
}
