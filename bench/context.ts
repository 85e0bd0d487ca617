/**
 * The run as a workload sees it (RunContext): the options, this round's results, the
 * chat server of the run (a restart replaces it), how to start other server processes,
 * and what one workload leaves for another (dm for dm-ws, dm-acks, dm-blocks and the
 * relay's ratios; idle for idle-ws). startRun sets it up: folders, the server's
 * environment and open files, the server, the load workers.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chooseNofile, fd, type Served, setFd, setTempFolder, startServing, stopServing } from './children';
import { int, sleep } from './format';
import type { IdleResult } from './idle';
import type { Target } from './ipc';
import type { Options } from './options';
import * as proc from './proc';
import { say, warn } from './report';
import { setQuietCpuPct } from './sampling';
import type { StreamResult } from './stream';
import type { DmComparison } from './websocket-workloads';
import { REQUEST_TIMEOUT_MS, setPrefix, setWorkers, startWorkers, targetAll, workers } from './workers';

export interface RunContext {
  readonly o: Options;
  /** This round's results by workload, for the result file. */
  results: Record<string, unknown>;
  /** The chat server process of the run: another one after each restart. */
  readonly server: Served;
  readonly serverTarget: Target;
  /** A fresh server process on the same database; `env` overrides the run's settings for it. Answers its pid. */
  readonly restartServer: (env?: Record<string, string>) => Promise<number>;
  /** The server in cluster mode with N workers; its CPU and RSS count the workers too. */
  readonly launchCluster: (count: number, env: Record<string, string>) => Promise<Served>;
  /** The run's temporary database folder. */
  readonly dbFolder: string;
  /** The environment of the bench, without CHAT_* settings. */
  readonly baseEnv: NodeJS.ProcessEnv;
  readonly cores: number;
  /** Connections of the idle workloads and users of resume that fit the open-file limits. */
  readonly idleN: number;
  readonly resumeN: number;
  /** The latest dm result, for the workloads reported against it. */
  dm: StreamResult | null;
  /** The rate dm@half was paced to: the relay is measured at it too (baseline@half). */
  dmHalfRate: number | null;
  /** This round's idle result, for idle-ws. */
  idle: IdleResult | null;
  baseline: StreamResult | null;
  relayInfo: { pid: number; port: number } | null;
  /** dm-ws against dm, one a round. */
  readonly wsComparisons: DmComparison[];
}

/** What the result file records of the run besides the workloads' results. */
export interface RunRecord {
  readonly startedAt: Date;
  readonly outFile: string;
  readonly runId: string;
  readonly host: ReturnType<typeof proc.machine>;
  readonly dbFolder: string;
  readonly dbFilesystem: string;
  readonly serverNofile: number | null;
  readonly workerNofile: number | null;
  /** The CHAT_* settings of the server. */
  readonly chatEnv: Record<string, string>;
  /** With --server-cpu-prof, one folder per server process: a profile per thread (main, SQLite write thread). */
  readonly profiles: string[];
  readonly serverPids: number[];
}

/**
 * Sets the run up: the result and database folders, the server's environment and open
 * files, the chat server and the load workers, and how many connections fit.
 */
export async function startRun(o: Options): Promise<{ ctx: RunContext; run: RunRecord }> {
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
  /**
   * node's flags for a server process with --server-cpu-prof: its profiles go to a folder
   * of its own, one file per thread (node names them by pid and thread id).
   */
  const profiling = (): string[] => {
    if (!o.serverCpuProf) return [];
    const folder = join(resultsDir, `${stamp}-server-${profiles.length + 1}`);
    profiles.push(folder);
    return ['--cpu-prof', `--cpu-prof-dir=${folder}`];
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
    dmHalfRate: null,
    idle: null,
    baseline: null,
    relayInfo: null,
    wsComparisons: [],
  };
  return {
    ctx,
    run: { startedAt, outFile, runId, host, dbFolder, dbFilesystem, serverNofile, workerNofile, chatEnv, profiles, serverPids },
  };
}
