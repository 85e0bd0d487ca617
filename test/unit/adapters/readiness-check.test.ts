import { ReadinessCheck, type ReadinessProbes } from '../../../src/adapters/monitoring/readiness-check';

/** A database probe the test answers by hand. */
function controlledDatabase() {
  const calls: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  const database = (): Promise<void> => new Promise((resolve, reject) => calls.push({ resolve, reject }));
  return { database, calls };
}

function makeSut(probes: ReadinessProbes, timeoutMs = 100) {
  return new ReadinessCheck(probes, timeoutMs);
}

describe('ReadinessCheck', () => {
  it('is ready when the database answers; not ready when it fails', async () => {
    let failing = false;
    const sut = makeSut({ database: async () => (failing ? Promise.reject(new Error('ECONNREFUSED')) : undefined) });
    expect(await sut.check()).toEqual({ ready: true, checks: { database: 'ok' } });
    failing = true;
    expect(await sut.check()).toEqual({ ready: false, checks: { database: 'failed' } });
    failing = false;
    expect(await sut.check()).toEqual({ ready: true, checks: { database: 'ok' } });
  });

  it('treats a probe that throws at once like one that fails', async () => {
    const sut = makeSut({
      database: () => {
        throw new Error('closed');
      },
    });
    expect(await sut.check()).toEqual({ ready: false, checks: { database: 'failed' } });
  });

  it('answers not ready within its timeout while the database hangs, and sends one probe at a time', async () => {
    const { database, calls } = controlledDatabase();
    const sut = makeSut({ database }, 100);
    const started = Date.now();
    const [first, second] = await Promise.all([sut.check(), sut.check()]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(first).toEqual({ ready: false, checks: { database: 'failed' } });
    expect(second).toEqual(first);
    // Still hanging: a third check waits for the same probe rather than sending another.
    expect((await sut.check()).ready).toBe(false);
    expect(calls).toHaveLength(1);
    calls[0]!.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    const next = sut.check();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(2);
    calls[1]!.resolve();
    expect(await next).toEqual({ ready: true, checks: { database: 'ok' } });
  });

  it('in cluster mode, is ready only while Redis is connected too, and says which check failed', async () => {
    let connected = false;
    const sut = makeSut({ database: async () => undefined, redis: () => connected });
    expect(await sut.check()).toEqual({ ready: false, checks: { database: 'ok', redis: 'failed' } });
    connected = true;
    expect(await sut.check()).toEqual({ ready: true, checks: { database: 'ok', redis: 'ok' } });
    const broken = makeSut({
      database: async () => Promise.reject(new Error('down')),
      redis: () => {
        throw new Error('bug');
      },
    });
    expect(await broken.check()).toEqual({ ready: false, checks: { database: 'failed', redis: 'failed' } });
  });
});
