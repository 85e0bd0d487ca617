/**
 * `npm run bench`: starts the real chat server (built output, SQLite in a temporary
 * folder, production durability) in its own process and drives it from load worker
 * processes (bench/load-worker.ts), workload by workload, with live progress lines, a
 * results table at the end and a JSON file under bench/results/. `--help` lists the
 * flags. Every figure is measured in this run; none is estimated.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runBaseline, serverOverRelayRows } from './baseline';
import { chooseNofile, fatal, fd, killAll, markStopping, setFd, setTempFolder, startServing, stopServing, stopping, type Served } from './children';
import { runCluster } from './cluster';
import type { RunContext } from './context';
import { formatProfile, summarizeProfile, type ProfileSummary } from './cpuprofile';
import { dmWsMedianRows, runDm, runDmAcks, runDmBlocks, runDmMysql, runDmWs } from './dm';
import { runFanout, runFanoutMysql } from './fanout';
import { int, sleep } from './format';
import { runHistory } from './history-run';
import { runIdle, runIdleWs } from './idle';
import type { Target } from './ipc';
import { runOffline } from './offline';
import { HELP, parseFlags, UsageError, type Options, type Workload } from './options';
import * as proc from './proc';
import { printTable, rows, say, setRoundTag, transcript, warn, warnings } from './report';
import { runResume } from './resume';
import { setQuietCpuPct, settle } from './sampling';
import { closeAll, REQUEST_TIMEOUT_MS, setPrefix, setWorkers, startWorkers, targetAll, workers } from './workers';

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
  if (o.serverCpuProf) setQuietCpuPct(20);
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/:/g, '-');
  const resultsDir = resolve(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const outFile = o.out === null ? join(resultsDir, `${stamp}.json`) : resolve(o.out);
  const runId = Date.now().toString(36).slice(-7);
  setPrefix(`b${runId}`);
  const runs = new Set(o.only);
  const host = proc.machine();
  setFd(proc.fdLimits());

  mkdirSync(o.dbDir, { recursive: true });
  const dbFolder = mkdtempSync(join(o.dbDir, 'chat-bench-'));
  if (!o.keepDb) setTempFolder(dbFolder);
  const dbFile = join(dbFolder, 'chat.sqlite');
  const dbFilesystem = proc.filesystemOf(dbFolder);

  // Open files: the idle and resume workloads need N sockets in the server and N/workers in each worker.
  const held = Math.max(runs.has('idle') || runs.has('idle-ws') ? o.connections : 0, runs.has('resume') ? o.resumeUsers : 0);
  const wantServer = held > 0 ? held + 1024 : 0;
  const wantWorker = held > 0 ? Math.ceil(held / o.workers) + 1024 : 0;
  const serverNofile = chooseNofile(wantServer);
  const workerNofile = chooseNofile(wantWorker);

  // Only our CHAT_* settings reach the server (plus --server-env), so a run does not
  // depend on what the calling shell exported.
  const baseEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CHAT_')) baseEnv[k] = v;
  const chatEnv: Record<string, string> = {
    CHAT_HOST: '127.0.0.1',
    CHAT_PORT: '0',
    CHAT_HTTP_PORT: '0',
    CHAT_DB: dbFile,
    CHAT_LOG_LEVEL: 'info',
    CHAT_SCRYPT_N: String(o.scryptN),
    CHAT_SCRYPT_R: String(o.scryptR),
    CHAT_SCRYPT_P: String(o.scryptP),
    // Limits that would otherwise cut the load short; none of them is on the hot path's cost.
    CHAT_IDLE_TIMEOUT_S: '86400',
    CHAT_LOGIN_TIMEOUT_S: '86400',
    CHAT_MAX_CONNECTIONS: '1000000',
    CHAT_RATE_BURST: '10000000',
    CHAT_RATE_PER_S: '10000000',
    CHAT_LOGIN_MAX_FAILURES: '1000000',
    CHAT_LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000000',
    ...o.serverEnv,
  };
  // One profile per server process (the idle workload starts a fresh one).
  const profiles: string[] = [];

  say(`chat server benchmark ${stamp} (run id ${runId})`);
  say(`node ${process.version}, ${host.cpuModel}, ${host.cores} cores, ${host.memTotalGiB} GiB, Linux ${host.kernel}`);
  say(`workloads: ${o.only.join(', ')}${o.quick ? ' (--quick)' : ''}; load workers: ${o.workers}`);
  say(
    `password hashing lowered for this run: CHAT_SCRYPT_N=${o.scryptN} CHAT_SCRYPT_R=${o.scryptR} CHAT_SCRYPT_P=${o.scryptP} (production default N=65536 r=8 p=2)`,
  );
  say(
    `database: ${dbFile} (${dbFilesystem}); CHAT_SQLITE_SYNCHRONOUS=${chatEnv.CHAT_SQLITE_SYNCHRONOUS ?? 'FULL (default)'}`,
  );
  const shownEnv = Object.entries(chatEnv)
    .filter(([k]) => !['CHAT_DB', 'CHAT_SCRYPT_N', 'CHAT_SCRYPT_R', 'CHAT_SCRYPT_P'].includes(k))
    .map(([k, v]) => `${k}=${v}`);
  say(`server environment: ${shownEnv.join(' ')}`);
  if (held > 0) {
    say(
      `open files: shell soft ${fd.soft}, hard ${fd.hard}; wanted ${wantServer} for the server, ${wantWorker} per worker; ` +
        `server gets ${serverNofile ?? fd.soft}, workers ${workerNofile ?? fd.soft}` +
        `${serverNofile !== null || workerNofile !== null ? ' (raised with prlimit)' : ''}`,
    );
  }

  const serverScript = o.server;
  /** node's flags for a server process: a CPU profile of its own with --server-cpu-prof. */
  const profiling = (): string[] => {
    if (!o.serverCpuProf) return [];
    const profileName = `${stamp}-server-${profiles.length + 1}.cpuprofile`;
    profiles.push(join(resultsDir, profileName));
    return ['--cpu-prof', `--cpu-prof-dir=${resultsDir}`, `--cpu-prof-name=${profileName}`];
  };
  const launch = async (env: Record<string, string> = {}): Promise<Served> => {
    const started = await startServing('chat server', serverScript, profiling(), { ...baseEnv, ...chatEnv, ...env }, 'chat server listening', serverNofile);
    say(`chat server pid ${started.pid} listening on 127.0.0.1:${started.port} (HTTP and /ws: ${started.httpPort ?? 'none'})`);
    return started;
  };
  /** The server in cluster mode with N workers; its CPU and RSS count the workers too. */
  const launchCluster = async (count: number, env: Record<string, string>): Promise<Served> => {
    const name = `chat server (cluster, CHAT_WORKERS=${count})`;
    // Profiled with one worker only: that one is a single process (workers would share the profile's name).
    const nodeArgs = count === 1 ? profiling() : [];
    const started = await startServing(name, serverScript, nodeArgs, { ...baseEnv, ...chatEnv, ...env }, 'chat server listening', null);
    // Each worker logs its own "listening" line: wait for all of them.
    while (started.tail.filter((line) => line.includes('"chat server listening"')).length < count) await sleep(50);
    say(`${name} pid ${started.pid} listening on 127.0.0.1:${started.port}`);
    return started;
  };
  let server = await launch();
  const serverPids = [server.pid];
  let serverTarget: Target = { host: '127.0.0.1', port: server.port, httpPort: server.httpPort };
  /** A fresh server process on the same database; `env` overrides the run's settings for it. */
  const restartServer = async (env: Record<string, string> = {}): Promise<number> => {
    const code = await stopServing(server);
    if (code !== 0) warn(`the chat server exited with code ${code} when stopped for a restart`);
    server = await launch(env);
    serverPids.push(server.pid);
    serverTarget = { host: '127.0.0.1', port: server.port, httpPort: server.httpPort };
    await targetAll(serverTarget);
    return server.pid;
  };

  setWorkers(startWorkers(o.workers, workerNofile));
  await Promise.all(workers.map((w) => w.call({ op: 'init', target: serverTarget, password: 'bench-password-1', requestTimeoutMs: REQUEST_TIMEOUT_MS })));

  // What fits: the server's and workers' actual limits, minus what they already hold.
  const fitting = (label: string, requested: number): number => {
    const serverLimit = proc.openFilesLimit(server.pid);
    const serverRoom = serverLimit - proc.openFileCount(server.pid) - 200;
    const workerRoom = Math.min(...workers.map((w) => proc.openFilesLimit(w.pid) - proc.openFileCount(w.pid) - 100)) * o.workers;
    const portRoom = 253 * o.perAddress; // 127.0.x.2 .. 127.0.x.254
    const fits = Math.max(0, Math.min(serverRoom, workerRoom, portRoom));
    if (requested <= fits) return requested;
    warn(
      `${label}: ${int(requested)} connections do not fit the open-file limits (server ${serverLimit}, workers ${workers
        .map((w) => proc.openFilesLimit(w.pid))
        .join('/')}; raising them failed: ${fd.prlimit ? 'not permitted' : 'no prlimit'}); using ${int(fits)}`,
    );
    return fits;
  };
  const idleN = runs.has('idle') || runs.has('idle-ws') ? fitting('idle', o.connections) : o.connections;
  const resumeN = runs.has('resume') ? fitting('resume', o.resumeUsers) : o.resumeUsers;

  /** Each round's results by workload. */
  const rounds: Record<string, unknown>[] = [];
  let failures = 0;
  const ctx: RunContext = {
    o,
    results: {},
    get server() {
      return server;
    },
    get serverTarget() {
      return serverTarget;
    },
    restartServer,
    launchCluster,
    dbFolder,
    baseEnv,
    cores: host.cores,
    idleN,
    resumeN,
    dm: null,
    idle: null,
    baseline: null,
    relayInfo: null,
    wsComparisons: [],
  };

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
        if (workload !== 'baseline') await settle(server.pid, o.settleTimeoutS);
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
  const serverRssPeakKiB = proc.statusKiB(server.pid, 'VmHWM');
  const serverExit = await stopServing(server);
  if (serverExit !== 0) warn(`the chat server exited with code ${serverExit} when stopped`);
  const profileSummaries: ProfileSummary[] = [];
  for (const file of profiles) {
    try {
      profileSummaries.push(summarizeProfile(file, 30));
    } catch (error) {
      warn(`could not read the CPU profile ${file}: ${(error as Error).message}`);
    }
  }

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
  for (const file of profiles) say(`CPU profile: ${file}`);
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
