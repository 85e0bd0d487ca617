/**
 * The history workload as the run drives it (bench/history.ts measures): on SQLite with
 * its query plans, then on MySQL/MariaDB, and its rows of the results table.
 */
import { join } from 'node:path';
import { type Service, startMariadb } from './cluster-services';
import type { RunContext } from './context';
import { fixed, int, latencyText, ms } from './format';
import { FULL_HISTORY, type HistoryResult, QUICK_HISTORY, historyWorkload, scratchMysqlDatabase, sqlitePlans } from './history';
import type { Target } from './ipc';
import { row, say, warn } from './report';
import { prefix } from './workers';

/** The history workload on SQLite, then on MySQL/MariaDB. */
export async function runHistory(ctx: RunContext): Promise<void> {
  const { o, results, restartServer, dbFolder } = ctx;
  const sizes = o.quick ? QUICK_HISTORY : FULL_HISTORY;
  const serveOn = async (database: string): Promise<Target> => {
    await restartServer({ CHAT_DB: database });
    return ctx.serverTarget;
  };
  const byEngine: HistoryResult[] = [];
  const report = (r: HistoryResult): void => {
    byEngine.push(r);
    const label = `history ${r.engine}`;
    const worst = Math.max(r.newestPage.p99Us, r.olderPage.p99Us, r.inbox.p99Us, r.inboxNext.p99Us);
    row(label, `messages / conversations (seeded in s)`, `${int(r.messages)} / ${int(r.conversations)} (${fixed(r.seedSeconds, 1)})`, null);
    row(label, `page of ${sizes.pageSize}, newest: p50/p95/p99/max (ms)`, latencyText(r.newestPage), null);
    row(label, `page of ${sizes.pageSize}, further back: p50/p95/p99/max (ms)`, latencyText(r.olderPage), null);
    row(label, `inbox, ${r.inboxRows} rows: p50/p95/p99/max (ms)`, latencyText(r.inbox), null);
    row(label, 'inbox, next page: p50/p95/p99/max (ms)', latencyText(r.inboxNext), null);
    row(label, 'worst p99 (target < 5 ms)', `${ms(worst)} ${worst < 5_000 ? 'met' : 'NOT met'}`, null);
  };
  const sqliteFile = join(dbFolder, 'history.sqlite');
  const sqliteRun = await historyWorkload('sqlite', sqliteFile, serveOn, `${prefix}h`, 'bench-password-1', sizes, say);
  report(sqliteRun.result);
  const plans = await sqlitePlans(sqliteFile, sqliteRun.corpus, sizes.pageSize);
  for (const [what, lines] of Object.entries(plans)) {
    say(`[history] SQLite's plan of the ${what}:`);
    for (const line of lines) say(`  ${line}`);
  }
  let mariadb: Service | null = null;
  try {
    const url = o.mysqlUrl ?? (mariadb = await startMariadb(join(dbFolder, 'history'))).url;
    const scratch = await scratchMysqlDatabase(url, `h${prefix}`);
    try {
      report((await historyWorkload('mysql', scratch.url, serveOn, `${prefix}h`, 'bench-password-1', sizes, say)).result);
    } finally {
      await restartServer();
      await scratch.drop();
    }
  } catch (error) {
    warn(`history on MySQL/MariaDB skipped: ${(error as Error).message}`);
    await restartServer();
  } finally {
    await mariadb?.stop().catch(() => undefined);
  }
  results.history = byEngine;
}
