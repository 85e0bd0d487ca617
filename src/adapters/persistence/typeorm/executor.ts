import type { EntityManager } from 'typeorm';

/**
 * How a repository reaches the database. The same repository classes serve
 * outside a unit of work (each call stands alone) and inside one (every call
 * joins the unit's transaction); only the executor they are given differs.
 */
export interface Executor {
  /** Runs statements that need no transaction of their own. */
  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
  /** Runs statements that must be stored together or not at all. */
  atomically<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
}

/**
 * The executor handed to a unit of work's repositories: the unit's transaction
 * is already open, so statements run directly (no lock: the unit holds it), and
 * `atomically` nests a savepoint so a failed step does not leave half its writes
 * behind if the work catches the error and carries on.
 */
export class TransactionExecutor implements Executor {
  private savepoints = 0;
  private ended = false;

  constructor(private readonly manager: EntityManager) {}

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    this.ensureOpen();
    return work(this.manager);
  }

  async atomically<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    this.ensureOpen();
    // SAVEPOINT, RELEASE SAVEPOINT and ROLLBACK TO SAVEPOINT mean the same in SQLite and MySQL.
    const name = `sp_${++this.savepoints}`;
    await this.manager.query(`SAVEPOINT ${name}`);
    try {
      const result = await work(this.manager);
      await this.manager.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await this.manager.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.manager.query(`RELEASE SAVEPOINT ${name}`);
      throw error;
    }
  }

  /** Called when the unit of work is over: its repositories must not be used again. */
  end(): void {
    this.ended = true;
  }

  private ensureOpen(): void {
    // A repository kept past its unit of work would run outside both the transaction and the lock.
    if (this.ended) throw new Error('Repositories of a unit of work used after the unit of work ended');
  }
}
