import type { EntityManager } from 'typeorm';
import type { Repositories, UnitOfWork } from '../../../application/ports';
import { TransactionExecutor } from './executor';
import { createRepositories } from './typeorm-repositories';

/** Opens a transaction, runs the work in it, commits on success and rolls back on failure. */
export type TransactionRunner = <T>(work: (manager: EntityManager) => Promise<T>) => Promise<T>;

/**
 * Hands the work repositories bound to one transaction. The work must use only
 * those: on SQLite, a call through the storage's own repositories would wait for
 * the lock this unit holds, and never get it.
 */
export class TypeOrmUnitOfWork implements UnitOfWork {
  constructor(private readonly transaction: TransactionRunner) {}

  run<T>(work: (repositories: Repositories) => Promise<T>): Promise<T> {
    return this.transaction(async (manager) => {
      const executor = new TransactionExecutor(manager);
      try {
        return await work(createRepositories(executor));
      } finally {
        executor.end();
      }
    });
  }
}
