/**
 * What the storage reports about its transactions, for metrics. Called on the
 * write path after each COMMIT: an implementation records numbers and does
 * nothing that can throw or wait.
 */
export interface StorageObserver {
  /**
   * A transaction committed: the jobs it held (SQLite's group commit puts every call
   * queued meanwhile in one transaction, TypeORM reads that wait in the queue
   * included; on MySQL each unit of work is one) and the seconds its COMMIT took.
   */
  committed(jobs: number, seconds: number): void;
}

/** Observes nothing: the default. */
export const NO_STORAGE_OBSERVER: StorageObserver = Object.freeze({ committed() {} });
