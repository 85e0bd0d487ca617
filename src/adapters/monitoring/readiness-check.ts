/** One check's outcome. */
export type CheckOutcome = 'ok' | 'failed';

/** Whether the server can do its work now: for /readyz, which answers 200 only when `ready`. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: {
    /** The database answered a trivial query within the timeout. */
    readonly database: CheckOutcome;
    /** Cluster mode only: the links to Redis are up. */
    readonly redis?: CheckOutcome;
  };
}

export interface ReadinessProbes {
  /** Resolves once the database has answered; rejects when it cannot. */
  database(): Promise<void>;
  /** Cluster mode only: whether the links to Redis are up. */
  redis?(): boolean;
}

export const DEFAULT_READINESS_TIMEOUT_MS = 2_000;

/**
 * Answers whether the server is ready, within a timeout: a database that does not
 * answer makes it report not ready instead of making the caller wait. One database
 * probe runs at a time, and checks made meanwhile wait for it (each for its own
 * timeout at most), so probes sent while the database hangs do not pile up
 * queries that each hold a pooled connection until the query timeout.
 */
export class ReadinessCheck {
  private probing: Promise<boolean> | null = null;

  constructor(
    private readonly probes: ReadinessProbes,
    private readonly timeoutMs = DEFAULT_READINESS_TIMEOUT_MS,
  ) {}

  /** Never rejects. */
  async check(): Promise<ReadinessReport> {
    const database: CheckOutcome = (await this.databaseAnswers()) ? 'ok' : 'failed';
    if (!this.probes.redis) return { ready: database === 'ok', checks: { database } };
    const redis: CheckOutcome = this.redisConnected() ? 'ok' : 'failed';
    return { ready: database === 'ok' && redis === 'ok', checks: { database, redis } };
  }

  private databaseAnswers(): Promise<boolean> {
    if (this.probing === null) {
      const probing = Promise.resolve()
        .then(() => this.probes.database())
        .then(
          () => true,
          () => false,
        );
      this.probing = probing;
      void probing.then(() => {
        if (this.probing === probing) this.probing = null;
      });
    }
    const answer = this.probing;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.timeoutMs);
      void answer.then((answered) => {
        clearTimeout(timer);
        resolve(answered);
      });
    });
  }

  private redisConnected(): boolean {
    try {
      return this.probes.redis?.() === true;
    } catch {
      return false;
    }
  }
}
