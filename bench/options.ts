/**
 * The bench's flags: the workloads, their sizes (full and --quick), the --help text and
 * the parser that turns the command line into Options.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FULL_HISTORY } from './history';

export const WORKLOADS = ['dm', 'dm-ws', 'dm-acks', 'dm-blocks', 'fanout', 'idle', 'idle-ws', 'resume', 'offline', 'history', 'baseline', 'dm-mysql', 'fanout-mysql', 'cluster'] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface Options {
  only: Workload[];
  pairs: number;
  window: number;
  /** Messages a second all senders together send at most (dm, fanout, baseline); 0: as fast as W allows. */
  rate: number;
  durationS: number;
  members: number;
  senders: number;
  connections: number;
  offlineMessages: number;
  /** resume: users that log in once, drop, and RESUME at once. */
  resumeUsers: number;
  /** resume: connect + RESUME in flight per worker during the storm; 0: all at once. */
  resumeConcurrency: number;
  /** resume: password LOGINs at the server's default scrypt cost during the login storm; 0: no storm. */
  stormLogins: number;
  pingIntervalMs: number;
  /** dm-acks: ids per ACK, and the longest a received id waits for its ACK. */
  ackBatch: number;
  ackDelayMs: number;
  /** dm-blocks: users every receiver blocks. */
  blocks: number;
  size: number;
  workers: number;
  perAddress: number;
  loginConcurrency: number;
  scryptN: number;
  scryptR: number;
  scryptP: number;
  dbDir: string;
  /** The server's main.js to measure: this build's unless --server names another. */
  server: string;
  keepDb: boolean;
  serverCpuProf: boolean;
  serverEnv: Record<string, string>;
  settleTimeoutS: number;
  quick: boolean;
  /** Times the selected workloads run, in turn (dm, dm-ws, dm, dm-ws, ...). */
  rounds: number;
  out: string | null;
  /** cluster: a database and a Redis to use instead of private ones. */
  mysqlUrl: string | null;
  redisUrl: string | null;
}

export const FULL_SIZES = { pairs: 50, durationS: 15, members: 1000, connections: 20_000, offlineMessages: 10_000, resumeUsers: 10_000, stormLogins: 100 };
export const QUICK_SIZES = { pairs: 10, durationS: 5, members: 200, connections: 2_000, offlineMessages: 2_000, resumeUsers: 2_000, stormLogins: 20 };

export const HELP = `npm run bench -- [flags]

Starts the chat server (dist/src/bootstrap/main.js) on a SQLite file in a temporary
folder, with production durability (CHAT_SQLITE_SYNCHRONOUS left at FULL) and a
lowered password-hash cost, and measures it from separate load processes. Prints
progress every second, a results table at the end, and writes
bench/results/<ISO timestamp>.json.

Workloads (all by default, in this order):
  dm        K sender/receiver pairs, each sender keeping W messages in flight for D s:
            delivered messages/s, send->receipt latency p50/p95/p99/max, ack latency;
            then (without --rate) again on fresh users paced to half of that rate
            ("dm@half"): p99 at a sustainable load (target ≤ 10 ms)
  dm-ws     the dm workload with every sender and receiver a WebSocket (/ws of the
            server's HTTP listener, one frame per binary message, masked as a
            browser does): messages/s, server CPU per message and latency, each
            against dm of the same run (target ≥ 0.70x dm's messages/s), and the
            load processes' CPU, to tell whether the load side saturated
            (selecting dm-ws runs dm too)
  dm-acks   the dm workload with every receiver in ack mode (ENABLE_ACKS, 2013 frames
            acknowledged with ACK in batches): messages/s and its ratio to dm of the
            same run (selecting dm-acks runs dm too)
  dm-blocks the dm workload with every receiver holding B blocks and privacy
            'friends' (PROTOCOL §10), each sender a friend of its receiver: every
            message passes the block and privacy checks. Messages/s and its ratio
            to dm of the same run (selecting dm-blocks runs dm too)
  fanout    one group of M online members, S senders keeping W in flight for D s:
            deliveries/s and delivery latency
  idle      N logged-in connections held open over 127.0.0.2, 127.0.0.3, ...:
            server RSS per connection, logins/s
  idle-ws   the idle workload over WebSocket: idle's N users log in again, each on a
            WebSocket from 127.0.2.2, 127.0.2.3, ..., on a fresh server process: RSS
            per logged-in session beside idle's, and the ratio (selecting idle-ws
            runs idle too)
  resume    R users log in once (password) over 127.0.1.2, 127.0.1.3, ..., take a
            session token (1021) and are dropped; then all reconnect at once with
            RESUME (1022): resumes/s, time until the last is served, latency, failures.
            Then the login storm, on a server restarted with the production scrypt cost:
            L password LOGINs at once while one connection PINGs every few ms and
            another RESUMEs every 100 ms: PING and RESUME latency during the storm
  offline   X messages stored for an offline user, then fetched by
            GET_OFFLINE_MESSAGES (1014) batches: store rate, fetch time
  history   a user with ${(FULL_HISTORY.conversations * FULL_HISTORY.messagesPerConversation).toLocaleString('en-US')} messages over ${FULL_HISTORY.conversations} conversations (1 in ${FULL_HISTORY.groupEvery} a
            group), seeded straight into a fresh database: GET_HISTORY pages of
            ${FULL_HISTORY.pageSize} (newest, and from a random point back) and GET_CONVERSATIONS
            (first page, next page), one at a time: latency p50/p99 (target p99 < 5 ms),
            and SQLite's plans of those statements. On SQLite, then on MySQL/MariaDB
            (--mysql-url, or a private MariaDB; skipped with a warning without one)
  baseline  the dm workload against bench/relay.ts (a bare frame relay), and the
            server/relay ratios of throughput and p99; after dm, also the relay
            paced to dm@half's rate (baseline@half): the latency the load and the
            machine alone give at that rate
  dm-mysql  the dm workload against one server node on MySQL/MariaDB, no Redis
            (--mysql-url, or a private MariaDB; skipped with a warning without one):
            messages/s (target ≥ 15,000) and server CPU per message (target ≤ 60 µs)
  fanout-mysql
            the fanout workload on such a node: deliveries/s (target ≥ 30,000 to
            1,000 members)
  cluster   the dm workload against cluster mode (MySQL/MariaDB + Redis) with
            CHAT_WORKERS=1 and then 2: delivered messages/s and p99 of each, and
            their ratio. Uses --mysql-url/--redis-url, or starts a private MariaDB
            (.ci/mariadb.sh) and redis-server; skipped with a warning without them.
            Also CPU per same-node message (1 worker) beside an estimate per cross-node
            one (2·[2 workers] − [1 worker]: about half the pairs cross nodes) and their
            difference, the Redis routing CPU per routed push (target ≤ 20 µs).
            Then two separate nodes (one worker each), the CPU of both counted:
            every pair on node a, then senders on a and receivers on b (every
            message a push routed through Redis); the difference per message is
            the measured routing CPU

Flags (defaults in brackets; --quick values after the slash):
  --only LIST            comma-separated workloads to run [all]
  --quick                smaller sizes, finishes in under 2 minutes
  --rounds N             run the selected workloads N times in turn (dm, dm-ws, dm,
                         dm-ws, ...), each round on fresh users; dm-ws then also
                         reports the median of its ratios to dm [1]
  -K, --pairs N          dm sender/receiver pairs [${FULL_SIZES.pairs} / ${QUICK_SIZES.pairs}]
  -W, --window N         requests in flight per sender [10]
  --rate N               dm, fanout and baseline: all senders together send at most
                         N messages/s, paced evenly (latency at a given load) [0: as
                         fast as the window allows]
  -D, --duration S       seconds of sending for dm, fanout, baseline [${FULL_SIZES.durationS} / ${QUICK_SIZES.durationS}]
  -M, --members N        fanout group size [${FULL_SIZES.members} / ${QUICK_SIZES.members}]
  -S, --senders N        fanout senders (members of the group) [5]
  -N, --connections N    idle logged-in connections [${FULL_SIZES.connections} / ${QUICK_SIZES.connections}]
                         (capped, with a warning, to what the open-file limits allow)
  -X, --offline-messages N   messages stored for the offline user [${FULL_SIZES.offlineMessages} / ${QUICK_SIZES.offlineMessages}]
  -R, --resume-users N   resume: users that reconnect at once [${FULL_SIZES.resumeUsers} / ${QUICK_SIZES.resumeUsers}]
                         (capped, with a warning, to what the open-file limits allow)
  --resume-concurrency N resume: connects + RESUMEs in flight per worker [0: all at once]
  -L, --storm-logins N   resume: password LOGINs of the login storm, at the production
                         scrypt cost (about 0.5 s of hashing each here) [${FULL_SIZES.stormLogins} / ${QUICK_SIZES.stormLogins}; 0: none]
  --ping-interval MS     login storm: PING period of the probe connection [10]
  --ack-batch N          dm-acks: ids per ACK [50]
  --ack-delay MS         dm-acks: longest wait before a partial batch is acknowledged [100]
  --blocks N             dm-blocks: users every receiver blocks [100]
  --size BYTES           message content size [100]
  --workers N            load processes [the machine's cores, at least 2: ${Math.max(2, availableParallelism())}]
  --per-address N        idle connections per 127.0.0.x source address [10000]
  --login-concurrency N  LOGINs in flight per worker in the idle workload [32]
  --scrypt-n N, --scrypt-r N, --scrypt-p N
                         password-hash cost for the run [1024, 8, 1]
                         (production default: 65536, 8, 2)
  --db-dir DIR           where the temporary database folder is made [${tmpdir()}]
  --server FILE          the chat server's main.js to measure [this build's dist/src/bootstrap/main.js];
                         another build's, to measure two builds with the same load side
  --keep-db              keep the database folder afterwards
  --server-env K=V       extra environment for the server (repeatable), e.g.
                         --server-env CHAT_SQLITE_SYNCHRONOUS=NORMAL
  --server-cpu-prof      run the server under node --cpu-prof: a profile per thread (main,
                         SQLite write thread) in a folder under bench/results/; the top
                         self-time functions of each thread are printed for each measured
                         sending phase (dm, dm@half, ...), setup left out
  --settle-timeout S     longest wait for the server to go quiet between workloads [180]
  --out FILE             result file [bench/results/<ISO timestamp>.json]
  --mysql-url URL        history, dm-mysql, fanout-mysql, cluster: mysql://user:password@host:port/database to use
                         [a private MariaDB]
  --redis-url URL        cluster: redis://host:port to use [a private redis-server]
  -h, --help             this text

Latency is measured on CLOCK_MONOTONIC (process.hrtime), which every process on
the machine shares: the sender writes its send time (µs) into the message, the
receiver subtracts it from its own clock on receipt.`;

export class UsageError extends Error {}

export function parseFlags(argv: readonly string[]): Options | 'help' {
  const aliases: Record<string, string> = {
    '-K': '--pairs',
    '-W': '--window',
    '-D': '--duration',
    '-M': '--members',
    '-S': '--senders',
    '-N': '--connections',
    '-X': '--offline-messages',
    '-R': '--resume-users',
    '-L': '--storm-logins',
    '-h': '--help',
  };
  const values = new Map<string, string>();
  const serverEnv: Record<string, string> = {};
  const booleans = new Set(['--quick', '--keep-db', '--server-cpu-prof', '--help']);
  const known = new Set([
    '--only',
    '--pairs',
    '--window',
    '--rate',
    '--duration',
    '--members',
    '--senders',
    '--connections',
    '--offline-messages',
    '--resume-users',
    '--resume-concurrency',
    '--storm-logins',
    '--ping-interval',
    '--ack-batch',
    '--ack-delay',
    '--blocks',
    '--size',
    '--workers',
    '--per-address',
    '--login-concurrency',
    '--scrypt-n',
    '--scrypt-r',
    '--scrypt-p',
    '--db-dir',
    '--server',
    '--server-env',
    '--settle-timeout',
    '--rounds',
    '--out',
    '--mysql-url',
    '--redis-url',
  ]);
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    arg = aliases[arg] ?? arg;
    if (booleans.has(arg)) {
      if (value !== undefined) throw new UsageError(`${arg} takes no value`);
      values.set(arg, 'true');
      continue;
    }
    if (!known.has(arg)) throw new UsageError(`unknown flag ${arg} (see --help)`);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
    }
    if (arg === '--server-env') {
      const at = value.indexOf('=');
      if (at <= 0) throw new UsageError(`--server-env needs KEY=VALUE, got "${value}"`);
      serverEnv[value.slice(0, at)] = value.slice(at + 1);
    } else values.set(arg, value);
  }
  if (values.has('--help')) return 'help';
  // `npm run bench --quick` (without `--`) hands the flag to npm, which passes it on as npm_config_quick.
  const quick = values.has('--quick') || process.env['npm_config_quick'] === 'true';
  const sizes = quick ? QUICK_SIZES : FULL_SIZES;
  const int = (flag: string, fallback: number, min: number, max = 10_000_000): number => {
    const raw = values.get(flag);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got "${raw}")`);
    }
    return Number(raw);
  };
  let only: Workload[] = [...WORKLOADS];
  const onlyRaw = values.get('--only');
  if (onlyRaw !== undefined) {
    const asked = onlyRaw.split(',').map((w) => w.trim()).filter(Boolean);
    for (const w of asked) {
      if (!(WORKLOADS as readonly string[]).includes(w)) throw new UsageError(`--only: unknown workload "${w}" (${WORKLOADS.join(', ')})`);
    }
    // dm-acks, dm-blocks and dm-ws are reported against dm of the same run, idle-ws against idle.
    if (asked.includes('dm-acks') || asked.includes('dm-blocks') || asked.includes('dm-ws')) asked.push('dm');
    if (asked.includes('idle-ws')) asked.push('idle');
    only = WORKLOADS.filter((w) => asked.includes(w));
    if (only.length === 0) throw new UsageError('--only: no workload named');
  }
  const scryptN = int('--scrypt-n', 1024, 2, 2 ** 20);
  if ((scryptN & (scryptN - 1)) !== 0) throw new UsageError('--scrypt-n must be a power of two');
  const options: Options = {
    only,
    pairs: int('--pairs', sizes.pairs, 1, 100_000),
    window: int('--window', 10, 1, 100_000),
    rate: int('--rate', 0, 0, 10_000_000),
    durationS: int('--duration', sizes.durationS, 1, 3600),
    members: int('--members', sizes.members, 2, 1_000_000),
    senders: int('--senders', 5, 1, 1_000_000),
    connections: int('--connections', sizes.connections, 1, 10_000_000),
    offlineMessages: int('--offline-messages', sizes.offlineMessages, 1, 100_000_000),
    resumeUsers: int('--resume-users', sizes.resumeUsers, 1, 10_000_000),
    resumeConcurrency: int('--resume-concurrency', 0, 0, 10_000_000),
    stormLogins: int('--storm-logins', sizes.stormLogins, 0, 100_000),
    pingIntervalMs: int('--ping-interval', 10, 1, 10_000),
    ackBatch: int('--ack-batch', 50, 1, 1000),
    ackDelayMs: int('--ack-delay', 100, 1, 60_000),
    blocks: int('--blocks', 100, 1, 100_000),
    size: int('--size', 100, 20, 4096),
    workers: int('--workers', Math.max(2, availableParallelism()), 1, 64),
    perAddress: int('--per-address', 10_000, 1, 28_000),
    loginConcurrency: int('--login-concurrency', 32, 1, 100_000),
    scryptN,
    scryptR: int('--scrypt-r', 8, 1, 32),
    scryptP: int('--scrypt-p', 1, 1, 16),
    dbDir: resolve(values.get('--db-dir') ?? tmpdir()),
    server: resolve(values.get('--server') ?? join(__dirname, '..', 'src', 'bootstrap', 'main.js')),
    keepDb: values.has('--keep-db'),
    serverCpuProf: values.has('--server-cpu-prof'),
    serverEnv,
    settleTimeoutS: int('--settle-timeout', 180, 0, 3600),
    quick,
    rounds: int('--rounds', 1, 1, 100),
    out: values.get('--out') ?? null,
    mysqlUrl: values.get('--mysql-url') ?? null,
    redisUrl: values.get('--redis-url') ?? null,
  };
  if (options.senders > options.members) throw new UsageError('--senders cannot exceed --members');
  return options;
}
