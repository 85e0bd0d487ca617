/**
 * `npm run bench`: starts the real chat server (built output, SQLite in a temporary
 * folder, production durability) in its own process and drives it from load worker
 * processes (bench/load-worker.ts), workload by workload, with live progress lines, a
 * results table at the end and a JSON file under bench/results/. `--help` lists the
 * flags. Every figure is measured in this run; none is estimated.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBaseline, serverOverRelayRows } from './baseline';
import { fatal, fd, killAll, markStopping, stopServing, stopping } from './children';
import { runCluster } from './cluster';
import { startRun, type RunContext } from './context';
import { formatProfile, profileThread, summarizeProfile, type ProfileSummary } from './cpuprofile';
import { dmWsMedianRows, runDm, runDmAcks, runDmBlocks, runDmMysql, runDmWs } from './dm';
import { runFanout, runFanoutMysql } from './fanout';
import { runHistory } from './history-run';
import { runIdle, runIdleWs } from './idle';
import { runOffline } from './offline';
import { HELP, parseFlags, UsageError, type Options, type Workload } from './options';
import * as proc from './proc';
import { printTable, rows, say, setRoundTag, transcript, warn, warnings } from './report';
import { runResume } from './resume';
import { settle } from './sampling';
import { measuredWindows } from './stream';
import { closeAll, setPrefix, workers } from './workers';

// ---------------------------------------------------------------------------------
// The run

/** Each workload's runner, from its file. */
const RUNNERS: Record<Workload, (ctx: RunContext) => Promise<void>> = {
  dm: runDm,
  'dm-ws': runDmWs,
  'dm-acks': runDmAcks,
  'dm-blocks': runDmBlocks,
  fanout: runFanout,
  idle: runIdle,
  'idle-ws': runIdleWs,
  resume: runResume,
  offline: runOffline,
  history: runHistory,
  baseline: runBaseline,
  'dm-mysql': runDmMysql,
  'fanout-mysql': runFanoutMysql,
  cluster: runCluster,
};

async function main(): Promise<number> {
  let parsed: Options | 'help';
  try {
    parsed = parseFlags(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (parsed === 'help') {
    say(HELP);
    return 0;
  }
  const o = parsed;
  const { ctx, run } = await startRun(o);
  const { startedAt, outFile, runId, host, dbFolder, dbFilesystem, serverNofile, workerNofile, chatEnv, profiles, serverPids } = run;
  const { idleN, resumeN } = ctx;

  /** Each round's results by workload. */
  const rounds: Record<string, unknown>[] = [];
  let failures = 0;

  for (let round = 1; round <= o.rounds; round++) {
    ctx.results = {};
    rounds.push(ctx.results);
    ctx.idle = null;
    if (o.rounds > 1) {
      // Fresh users each round: the names of the last are taken.
      setPrefix(`b${runId}r${round}`);
      setRoundTag(round === 1 ? '' : ` #${round}`);
      say('');
      say(`round ${round} of ${o.rounds}`);
    }
    for (const workload of o.only) {
      say('');
      try {
        if (workload !== 'baseline') await settle(ctx.server.pid, o.settleTimeoutS);
        await RUNNERS[workload](ctx);
      } catch (error) {
        failures++;
        const text = error instanceof Error ? error.message : String(error);
        warn(`${workload} failed: ${text}`);
        ctx.results[workload] = { error: text };
        await closeAll().catch(() => undefined);
      }
    }
  }
  setRoundTag('');
  dmWsMedianRows(ctx);
  serverOverRelayRows(ctx);

  // Stop the server gracefully (it closes sessions; a CPU profile is written on exit).
  markStopping();
  await Promise.all(workers.map((w) => new Promise<void>((r) => (w.child.disconnect(), w.child.once('exit', () => r())))));
  const serverRssPeakKiB = proc.statusKiB(ctx.server.pid, 'VmHWM');
  const serverExit = await stopServing(ctx.server);
  if (serverExit !== 0) warn(`the chat server exited with code ${serverExit} when stopped`);
  const profileFiles = profiles.flatMap((folder) => profilesIn(folder));
  const profileSummaries = profileFiles.flatMap((file) => summarizeThread(file));

  say('');
  say(`results (${o.quick ? '--quick, ' : ''}${o.rounds > 1 ? `${o.rounds} rounds, ` : ''}K=${o.pairs} W=${o.window}${o.rate > 0 ? ` rate=${o.rate}/s` : ''} D=${o.durationS}s M=${o.members} S=${o.senders} N=${idleN} X=${o.offlineMessages} R=${resumeN} L=${o.stormLogins}, ${o.size}-byte messages, scrypt N=${o.scryptN} r=${o.scryptR} p=${o.scryptP})`);
  say('CPU: the process under test (chat server; bench/relay.ts for "baseline") in % of one core over the measured phase;');
  say('RSS: its resident memory at the end of that phase; load CPU: all load workers together; other CPU: every other');
  say('process on the machine in that phase (not part of the benchmark). Latencies in ms.');
  say('');
  printTable();
  for (const profile of profileSummaries) {
    say('');
    say(formatProfile(profile));
  }

  const finishedAt = new Date();
  const record = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    runId,
    argv: process.argv.slice(2),
    flags: { ...o, connectionsUsed: idleN, resumeUsersUsed: resumeN },
    node: process.version,
    machine: { ...host, clkTck: proc.clkTck(), fdLimits: fd, serverNofile, workerNofile },
    clock: 'latency: CLOCK_MONOTONIC (process.hrtime) in µs, written by the sender into the message, read by the receiver',
    server: {
      script: o.server,
      env: chatEnv,
      scrypt: { N: o.scryptN, r: o.scryptR, p: o.scryptP },
      sqliteSynchronous: chatEnv.CHAT_SQLITE_SYNCHRONOUS ?? 'FULL (default)',
      database: { filesystem: dbFilesystem, folder: o.keepDb ? dbFolder : '(removed)' },
      pids: serverPids,
      rssPeakKiB: serverRssPeakKiB,
      exitCode: serverExit,
      cpuProfiles: profileSummaries,
    },
    relay: ctx.relayInfo,
    workloads: o.rounds === 1 ? rounds[0] : rounds,
    table: rows,
    warnings,
    transcript,
  };
  writeFileSync(outFile, `${JSON.stringify(record, null, 2)}\n`);
  say('');
  say(`results written to ${outFile}`);
  for (const file of profileFiles) say(`CPU profile: ${file}`);
  say(`total time ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s`);
  if (warnings.length > 0) say(`${warnings.length} warning(s) above.`);
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => {
    markStopping();
    killAll('SIGKILL');
    process.exit(code);
  },
  (error: unknown) => {
    // After Ctrl-C, requests to the workers fail as they go: the SIGINT handler exits.
    if (stopping) return;
    fatal(error instanceof Error ? (error.stack ?? error.message) : String(error));
  },
);

/** The profiles node wrote into a server's folder: the main thread's first, then its worker threads'. */
function profilesIn(folder: string): string[] {
  try {
    return readdirSync(folder)
      .filter((name) => name.endsWith('.cpuprofile'))
      .map((name) => join(folder, name))
      .sort((a, b) => Number(profileThread(a) !== 'main thread') - Number(profileThread(b) !== 'main thread') || a.localeCompare(b));
  } catch (error) {
    warn(`could not read the CPU profiles in ${folder}: ${(error as Error).message}`);
    return [];
  }
}

/**
 * One thread's profile, summarized over each measured sending phase it worked in (setup
 * and the pauses between phases left out), or over all of it when it worked in none.
 */
function summarizeThread(file: string): ProfileSummary[] {
  try {
    const phases = measuredWindows
      .map((window) => summarizeProfile(file, 20, window))
      // Phases this process was not the one under test in (the relay's, say) show it idle.
      .filter((summary) => summary.busyMs > 0.01 * summary.wallMs);
    return phases.length > 0 ? phases : [summarizeProfile(file, 30)];
  } catch (error) {
    warn(`could not read the CPU profile ${file}: ${(error as Error).message}`);
    return [];
  }
}
