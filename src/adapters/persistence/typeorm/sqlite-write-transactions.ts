import { performance } from 'node:perf_hooks';
import { GatheredWork, type OperationContext, type SqliteOperation } from './sqlite-operations';
import { inSavepoint, type SqliteStatements } from './sqlite-prepared';
import { failureToWire, type SettledReply, type WireOutcome, type WriteJob } from './sqlite-write-protocol';

/** Finds an operation by the name a job carries. */
export type OperationLookup = (name: string) => SqliteOperation<readonly unknown[], unknown> | undefined;

/**
 * The write thread's transactions (see sqlite-write-worker.ts): jobs wait here in the
 * order they were sent, and each transaction takes the waiting jobs and, as long as
 * it runs, those that arrive meanwhile (`receive`), up to `maxJobs`: group commit
 * without a pause to wait for company. BEGIN IMMEDIATE, each job (a savepoint when it
 * is several statements), the transaction's gathered work, COMMIT; then its outcomes
 * go back, and the next transaction starts at once if jobs are waiting.
 *
 * A job that fails undoes only its own writes and fails alone. A transaction that is
 * lost (a failed COMMIT, or an I/O error or full disk ending it early) fails the jobs
 * it ran, whose writes are gone; the jobs it had not reached stay first in line for
 * the next one.
 */
export class WriteTransactions {
  private readonly waiting: WriteJob[] = [];
  private readonly gathered = new GatheredWork();
  private readonly context: OperationContext;

  constructor(
    private readonly statements: SqliteStatements,
    private readonly operationNamed: OperationLookup,
    /** Takes in what was sent meanwhile (calling `add`); false when nothing was. */
    private readonly receive: () => boolean,
    /** Most jobs in one transaction, so that answers keep flowing under a long backlog. */
    private readonly maxJobs = 512,
  ) {
    this.context = this.gathered.context(statements);
  }

  add(jobs: readonly WriteJob[]): void {
    for (const job of jobs) this.waiting.push(job);
  }

  /** How many jobs wait for a transaction. */
  get backlog(): number {
    return this.waiting.length;
  }

  /** Runs the next transaction: the outcomes of the jobs it took, first in line first. */
  next(): SettledReply {
    try {
      this.statements.run('BEGIN IMMEDIATE');
    } catch (error) {
      // The write lock stayed taken for the whole busy timeout: every waiting job has waited that long.
      return this.fail(this.waiting.length, error);
    }
    const outcomes: WireOutcome[] = [];
    let lost: { error: unknown } | null = null;
    try {
      while (outcomes.length < this.maxJobs) {
        if (outcomes.length === this.waiting.length && !this.takeMore()) break;
        const outcome = this.run(this.waiting[outcomes.length]!);
        outcomes.push(outcome);
        // A full disk or an I/O error can end the whole transaction, earlier jobs' writes with it.
        if (!this.statements.inTransaction) {
          lost = { error: outcome.ok ? new Error('The transaction ended before its COMMIT') : outcome.error };
          break;
        }
      }
      if (lost === null) this.gathered.flush(this.statements);
    } catch (error) {
      lost = { error };
    }
    if (lost !== null) return this.abandon(outcomes.length, lost.error);
    const started = performance.now();
    try {
      this.statements.run('COMMIT');
    } catch (error) {
      return this.abandon(outcomes.length, error);
    } finally {
      this.gathered.clear();
    }
    this.waiting.splice(0, outcomes.length);
    return { kind: 'settled', outcomes, commitSeconds: (performance.now() - started) / 1000 };
  }

  /** Whether what arrived meanwhile added jobs to run. */
  private takeMore(): boolean {
    const before = this.waiting.length;
    while (this.waiting.length === before) {
      if (!this.receive()) return false;
    }
    return true;
  }

  /** The transaction is lost: the jobs it ran fail (their writes are gone); the others wait for the next. */
  private abandon(ran: number, error: unknown): SettledReply {
    this.gathered.discard();
    this.gathered.clear();
    try {
      if (this.statements.inTransaction) this.statements.run('ROLLBACK');
    } catch {
      // The connection is broken beyond a rollback; the next BEGIN reports it.
    }
    return this.fail(ran, error);
  }

  /** The first `count` waiting jobs fail with this error. */
  private fail(count: number, error: unknown): SettledReply {
    this.waiting.splice(0, count);
    const outcome: WireOutcome = { ok: false, error: failureToWire(error) };
    return { kind: 'settled', outcomes: Array.from({ length: count }, () => outcome), commitSeconds: null };
  }

  private run([name, args]: WriteJob): WireOutcome {
    const operation = this.operationNamed(name);
    if (!operation) return { ok: false, error: failureToWire(new Error(`No SQLite operation named ${name}`)) };
    try {
      // A single statement that fails undoes its own changes and leaves the transaction open.
      const run = (): unknown => operation.run(this.context, args);
      return { ok: true, value: operation.atomic(args) ? inSavepoint(this.statements, run) : run() };
    } catch (error) {
      return { ok: false, error: failureToWire(error) };
    }
  }
}
