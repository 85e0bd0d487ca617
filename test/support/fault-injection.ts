import type {
  Delivery,
  PasswordHasher,
  Presence,
  Repositories,
  Storage,
  UnitOfWork,
} from '../../src/application/ports';

/** The failure a run injects: what a database hiccup, a lost Redis or a crashed hasher looks like. */
export class InjectedFault extends Error {
  override readonly name = 'InjectedFault';
}

/**
 * Counts the calls to the ports while armed, and fails the k-th one (`failAt`).
 * A run whose calls never reach k finishes without a fault: the sweep is complete.
 */
export class FaultPlan {
  armed = false;
  calls = 0;
  /** Where the fault was injected, once it was. */
  site: string | null = null;

  constructor(readonly failAt: number) {}

  get fired(): boolean {
    return this.site !== null;
  }

  /** Counts a call; throws InjectedFault if it is the chosen one. */
  hit(site: string): void {
    if (!this.armed) return;
    this.calls += 1;
    if (this.calls === this.failAt) {
      this.site = site;
      throw new InjectedFault(`injected fault #${this.failAt} at ${site}`);
    }
  }

  /** Runs `work` unarmed (arranging a scenario, checking it). */
  async quietly<T>(work: () => Promise<T>): Promise<T> {
    const armed = this.armed;
    this.armed = false;
    try {
      return await work();
    } finally {
      this.armed = armed;
    }
  }
}

/** Every method of `target` counts as a call of the plan; the chosen call rejects without running. */
export function faulty<T extends object>(target: T, plan: FaultPlan, name: string): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        try {
          plan.hit(`${name}.${String(property)}`);
        } catch (error) {
          return Promise.reject(error);
        }
        return Reflect.apply(value, object, args);
      };
    },
  });
}

function faultyRepositories(repositories: Repositories, plan: FaultPlan, prefix: string): Repositories {
  const entries = Object.entries(repositories).map(([name, repository]) => [
    name,
    faulty(repository as object, plan, `${prefix}${name}`),
  ]);
  return Object.fromEntries(entries) as unknown as Repositories;
}

/**
 * A storage whose every repository call, unit of work and commit can fail: the
 * commit fails after the unit's work has run, so its writes are rolled back.
 */
export function faultyStorage(storage: Storage, plan: FaultPlan): Storage {
  const unitOfWork: UnitOfWork = {
    async run(work) {
      plan.hit('unitOfWork.begin');
      return storage.unitOfWork.run(async (tx) => {
        const value = await work(faultyRepositories(tx, plan, 'tx.'));
        plan.hit('unitOfWork.commit');
        return value;
      });
    },
  };
  return {
    repositories: faultyRepositories(storage.repositories, plan, ''),
    unitOfWork,
    ping: () => storage.ping(),
    close: () => storage.close(),
  };
}

export function faultyPresence(presence: Presence, plan: FaultPlan): Presence {
  return faulty(presence, plan, 'presence');
}

export function faultyDelivery(delivery: Delivery, plan: FaultPlan): Delivery {
  return faulty(delivery, plan, 'delivery');
}

export function faultyHasher(hasher: PasswordHasher, plan: FaultPlan): PasswordHasher {
  return faulty(hasher, plan, 'hasher');
}

