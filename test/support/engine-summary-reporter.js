// @ts-check
/**
 * Prints, after the run, how many tests ran on each storage engine, so a run
 * shows that the MySQL/MariaDB tests really executed. A test belongs to an
 * engine through its Jest project (e2e:<engine>) or, for the contract and
 * integration suites, through its file or test name. Under CI=true a run in
 * which no MySQL test passed fails (the MySQL test files themselves refuse to
 * skip there). The cluster tests (project e2e:cluster: several server processes
 * on MySQL/MariaDB and Redis) get a line of their own and, under CI=true, must
 * have passed too. The protocol suite over WebSocket (project e2e:websocket, on
 * SQLite) gets a line of its own as well.
 */
const ENGINES = ['in-memory', 'sqlite', 'mysql', 'cluster', 'websocket'];

/** @param {string} project @param {string} text */
function engineOf(project, text) {
  const match = /^e2e:(.+)$/.exec(project);
  if (match) return match[1];
  if (/mysql|mariadb/i.test(text)) return 'mysql';
  if (/sqlite/i.test(text)) return 'sqlite';
  if (/in-memory|in memory/i.test(text)) return 'in-memory';
  return null;
}

class EngineSummaryReporter {
  constructor() {
    /** @type {Map<string, { passed: number, failed: number, skipped: number }>} */
    this.counts = new Map();
  }

  /** @param {string} key @param {'passed' | 'failed' | 'skipped'} status */
  bump(key, status) {
    const count = this.counts.get(key) ?? { passed: 0, failed: 0, skipped: 0 };
    count[status] += 1;
    this.counts.set(key, count);
  }

  /**
   * @param {import('@jest/reporters').Test} test
   * @param {import('@jest/test-result').TestResult} result
   */
  onTestResult(test, result) {
    const display = test.context.config.displayName;
    const project = display ? display.name : '';
    const kind = project.startsWith('e2e:') ? 'end-to-end' : 'contract/integration';
    if (result.testExecError) {
      // A file that could not run at all (e.g. MySQL required under CI=true but missing).
      const engine = engineOf(project, result.testFilePath);
      if (engine) this.bump(`${engine}\t${kind}`, 'failed');
    }
    // Outside the e2e projects, only the contract and integration suites are about an engine,
    // and their describe blocks name it.
    const aboutStorage = /[\\/]test[\\/](contract|integration)[\\/]/.test(result.testFilePath);
    if (!project.startsWith('e2e:') && !aboutStorage) return;
    for (const test of result.testResults) {
      const engine = engineOf(project, test.ancestorTitles.join(' '));
      if (!engine) continue;
      const status = test.status === 'passed' ? 'passed' : test.status === 'failed' ? 'failed' : 'skipped';
      this.bump(`${engine}\t${kind}`, status);
    }
  }

  onRunComplete() {
    const lines = ['', 'Tests per storage engine (passed / failed / skipped):'];
    for (const engine of ENGINES) {
      // The cluster and the WebSocket run are end-to-end only.
      const endToEndOnly = engine === 'cluster' || engine === 'websocket';
      for (const kind of endToEndOnly ? ['end-to-end'] : ['contract/integration', 'end-to-end']) {
        const count = this.counts.get(`${engine}\t${kind}`) ?? { passed: 0, failed: 0, skipped: 0 };
        lines.push(`  ${engine.padEnd(10)} ${kind.padEnd(21)} ${count.passed} / ${count.failed} / ${count.skipped}`);
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  getLastError() {
    if (process.env.CI !== 'true') return undefined;
    /** @param {string} engine */
    const passed = (engine) => {
      let total = 0;
      for (const [key, count] of this.counts) if (key.startsWith(`${engine}\t`)) total += count.passed;
      return total;
    };
    if (passed('mysql') === 0) return new Error('CI=true but no MySQL/MariaDB test passed');
    if (passed('cluster') === 0) return new Error('CI=true but no cluster (MySQL + Redis) test passed');
    return undefined;
  }
}

module.exports = EngineSummaryReporter;
