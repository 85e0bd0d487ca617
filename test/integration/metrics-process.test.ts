import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/server-process';

/**
 * prom-client's event-loop delay monitor cannot be stopped once the process
 * metrics start it; it must not keep a process alive either. The built module
 * (`npm test` builds dist/ first) in a process of its own, which has to exit by
 * itself once it has nothing else to do.
 */
const CHAT_METRICS = join(ROOT, 'dist', 'src', 'adapters', 'monitoring', 'chat-metrics.js');

describe('the process metrics', () => {
  it('do not keep a process alive: it exits by itself after rendering them', () => {
    if (!existsSync(CHAT_METRICS)) throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
    const script = `
      const { ChatMetrics } = require(${JSON.stringify(CHAT_METRICS)});
      const first = new ChatMetrics();
      const second = new ChatMetrics();
      Promise.all([first.render(), second.render()]).then(([a, b]) =>
        process.stdout.write(String(a.includes('nodejs_eventloop_lag_seconds') && b.includes('process_cpu_seconds_total'))));
    `;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(result.error).toBeUndefined();
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('true');
    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
