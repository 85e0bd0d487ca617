// @ts-check
/**
 * Prints, after the run, how many tests ran on each storage engine, so a run
 * shows that the MySQL/MariaDB tests really executed. A test belongs to an
 * engine through its Jest project (e2e:<engine>) or, for the contract and
 * integration suites, through its file or test name. Under CI=true a run in
 * which no MySQL test passed fails (the MySQL test files themselves refuse to
 * skip there).
 */
const ENGINES = ['in-memory', 'sqlite', 'mysql'];

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
      for (const kind of ['contract/integration', 'end-to-end']) {
        const count = this.counts.get(`${engine}\t${kind}`) ?? { passed: 0, failed: 0, skipped: 0 };
        lines.push(`  ${engine.padEnd(10)} ${kind.padEnd(21)} ${count.passed} / ${count.failed} / ${count.skipped}`);
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  getLastError() {
    if (process.env.CI !== 'true') return undefined;
    let passed = 0;
    for (const [key, count] of this.counts) if (key.startsWith('mysql\t')) passed += count.passed;
    return passed === 0 ? new Error('CI=true but no MySQL/MariaDB test passed') : undefined;
  }
}

module.exports = EngineSummaryReporter;
