import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ClusterObserver } from '../cluster/redis-cluster';
import type { StorageObserver } from '../persistence/typeorm/storage-observer';
import { Command } from '../protocol/message-types';
import type { ConnectionObserver, TransportName } from '../protocol/connection-observer';
import { closeReasonLabel, commandLabel, OTHER, pushLabel, statusLabel } from './metric-labels';
import { Tally, TallyHistogram } from './tallies';

export interface ChatMetricsOptions {
  /** Users logged in on this node, read at each scrape (none when left out). */
  readonly usersOnline?: () => number;
  /**
   * Cluster mode: whether this node's link to Redis is up, read at each scrape. Its
   * gauge and the routed pushes are exposed only when it is given.
   */
  readonly redisConnected?: () => boolean;
  /** The Node process's own metrics (CPU, memory, event-loop lag, GC, handles) too (default true). */
  readonly processMetrics?: boolean;
}

/** Request latency buckets, in seconds: 0.5 ms to 5 s. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Jobs per commit: SQLite's group commit takes up to 512. */
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];
/** COMMIT latency, in seconds: 50 µs (SQLite, NORMAL) to 1 s (a disk or a server in trouble). */
const COMMIT_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

const TRANSPORTS: readonly TransportName[] = ['tcp', 'websocket'];

/**
 * The Node process's metrics, in a registry of their own made once per process:
 * there is one event loop and one heap whatever the number of cores, and
 * prom-client's event-loop delay monitor cannot be stopped once started (it does
 * not keep the process alive). Every core's scrape includes them.
 */
let processRegistry: Registry | null = null;

function processMetricsRegistry(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

type CounterChild = ReturnType<Counter['labels']>;

/** A request's tally key: its command and its status in one number. */
const requestKey = (command: number, status: number): number => command * 1000 + status;
const keyCommand = (key: number): number => Math.floor(key / 1000);
const keyStatus = (key: number): number => key % 1000;

/** Commands past this are tallied together (their label is `unknown` anyway). */
const UNKNOWN_COMMAND_KEY = 0;

/**
 * The server's metrics in the Prometheus text format, in a registry of this
 * core's own (never prom-client's global one: several servers may share a
 * process). It observes the connections of every transport, the storage's commits
 * and the cluster's routing; the numbers read at scrape time come from the options.
 *
 * Every observer call only counts, and never throws: a value that is not a number
 * (or a negative duration) is left out rather than passed to prom-client, which
 * would throw. The label values come from fixed sets (metric-labels.ts).
 */
export class ChatMetrics implements ConnectionObserver, StorageObserver, ClusterObserver {
  /** The `Content-Type` of what `render()` returns. */
  readonly contentType: string;
  /** This core's own metrics, without the process's: a transport may add metrics of its own here. */
  readonly registry = new Registry();
  private readonly exposed: Registry;

  private readonly connectionsOpen: Gauge<'transport'>;
  private readonly connectionsClosed: Counter<'transport' | 'reason'>;
  private readonly batchSize: Histogram;
  private readonly commitDuration: Histogram;
  private readonly routed: { readonly sent: CounterChild; readonly received: CounterChild } | null = null;

  // What every request and push counts, as plain numbers (see tallies.ts); rendered at scrape time.
  /** Requests by requestKey(command, status). */
  private readonly requests = new Tally();
  private readonly requestDuration: TallyHistogram<number>;
  /** Push frames by type. */
  private readonly pushes = new Tally();
  private readonly delivered = { live: 0, later: 0 };

  constructor(options: ChatMetricsOptions = {}) {
    const registers = [this.registry];
    this.connectionsOpen = new Gauge({
      name: 'chat_connections_open',
      help: 'Client connections open now, by transport.',
      labelNames: ['transport'],
      registers,
    });
    this.connectionsClosed = new Counter({
      name: 'chat_connections_closed_total',
      help: 'Client connections closed, by transport and reason.',
      labelNames: ['transport', 'reason'],
      registers,
    });
    const usersOnline = options.usersOnline;
    new Gauge({
      name: 'chat_users_online',
      help: 'Users with at least one logged-in connection to this node.',
      registers,
      collect() {
        this.set(usersOnline ? usersOnline() : 0);
      },
    });
    const requests = this.requests;
    new Counter({
      name: 'chat_requests_total',
      help: 'Requests answered, by command and reply status.',
      labelNames: ['command', 'status'],
      registers,
      collect() {
        this.reset();
        for (const [key, count] of requests.entries()) {
          this.inc({ command: commandLabel(keyCommand(key)), status: statusLabel(keyStatus(key)) }, count);
        }
      },
    });
    this.requestDuration = new TallyHistogram(
      'chat_request_duration_seconds',
      'Seconds from taking a request off its queue to handing its reply to the transport, by command.',
      'command',
      REQUEST_BUCKETS,
      commandLabel,
      this.registry,
    );
    const answered = (command: number, status: number): number => requests.get(requestKey(command, status));
    new Counter({
      name: 'chat_messages_stored_total',
      help: 'Messages stored (a send answered 200), by kind.',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        this.inc({ kind: 'direct' }, answered(Command.SEND_MESSAGE, 200));
        this.inc({ kind: 'group' }, answered(Command.SEND_GROUP_MESSAGE, 200));
      },
    });
    const delivered = this.delivered;
    new Counter({
      name: 'chat_messages_delivered_total',
      help: 'Messages handed to their receiver: live as a push, later in a fetched batch or a catch-up.',
      labelNames: ['mode'],
      registers,
      collect() {
        this.reset();
        this.inc({ mode: 'live' }, delivered.live);
        this.inc({ mode: 'later' }, delivered.later);
      },
    });
    const pushes = this.pushes;
    new Counter({
      name: 'chat_pushes_written_total',
      help: 'Push frames handed to a transport, by frame type.',
      labelNames: ['type'],
      registers,
      collect() {
        this.reset();
        for (const [type, count] of pushes.entries()) this.inc({ type: pushLabel(type) }, count);
      },
    });
    new Counter({
      name: 'chat_failed_logins_total',
      help: 'LOGIN or RESUME answered 401.',
      labelNames: ['command'],
      registers,
      collect() {
        this.reset();
        this.inc({ command: 'login' }, answered(Command.LOGIN, 401));
        this.inc({ command: 'resume' }, answered(Command.RESUME, 401));
      },
    });
    this.batchSize = new Histogram({
      name: 'chat_storage_batch_size',
      help: 'Jobs stored per transaction (SQLite group commit; 1 per unit of work on MySQL).',
      buckets: BATCH_BUCKETS,
      registers,
    });
    this.commitDuration = new Histogram({
      name: 'chat_storage_commit_duration_seconds',
      help: 'Seconds a COMMIT took.',
      buckets: COMMIT_BUCKETS,
      registers,
    });
    const redisConnected = options.redisConnected;
    if (redisConnected) {
      new Gauge({
        name: 'chat_cluster_redis_connected',
        help: "1 while this node's links to Redis are up, 0 otherwise.",
        registers,
        collect() {
          this.set(redisConnected() ? 1 : 0);
        },
      });
      const routedPushes = new Counter({
        name: 'chat_cluster_routed_pushes_total',
        help: 'Pushes routed between nodes: sent to other nodes, received from them.',
        labelNames: ['direction'],
        registers,
      });
      this.routed = { sent: zero(routedPushes, 'sent'), received: zero(routedPushes, 'received') };
    }

    // The series that exist from the start show as 0 rather than missing.
    for (const transport of TRANSPORTS) this.connectionsOpen.labels(transport).set(0);

    this.exposed =
      options.processMetrics === false ? this.registry : Registry.merge([this.registry, processMetricsRegistry()]);
    this.contentType = this.exposed.contentType;
  }

  /** Every metric in the Prometheus text format. */
  render(): Promise<string> {
    return this.exposed.metrics();
  }

  // ---- ConnectionObserver ---------------------------------------------------

  connectionOpened(transport: TransportName): void {
    this.connectionsOpen.labels(transportLabel(transport)).inc();
  }

  connectionClosed(transport: TransportName, reason: string): void {
    const label = transportLabel(transport);
    this.connectionsOpen.labels(label).dec();
    this.connectionsClosed.labels(label, closeReasonLabel(reason)).inc();
  }

  requestAnswered(command: number, status: number, seconds: number): void {
    const known = commandLabel(command) === 'unknown' ? UNKNOWN_COMMAND_KEY : command;
    const code = status >= 100 && status < 600 && Number.isInteger(status) ? status : 0;
    this.requests.add(requestKey(known, code));
    if (Number.isFinite(seconds)) this.requestDuration.observe(known, Math.max(seconds, 0));
  }

  pushWritten(type: number): void {
    this.pushes.add(type >= 0 && type <= 0xffff ? type : -1);
  }

  messagesDelivered(mode: 'live' | 'later', count: number): void {
    if (!(count > 0 && Number.isFinite(count))) return;
    if (mode === 'later') this.delivered.later += count;
    else this.delivered.live += count;
  }

  // ---- StorageObserver ------------------------------------------------------

  committed(jobs: number, seconds: number): void {
    if (jobs > 0 && Number.isFinite(jobs)) this.batchSize.observe(jobs);
    if (Number.isFinite(seconds)) this.commitDuration.observe(Math.max(seconds, 0));
  }

  // ---- ClusterObserver ------------------------------------------------------

  pushesRouted(direction: 'sent' | 'received', count: number): void {
    if (!(count > 0 && Number.isFinite(count))) return;
    if (this.routed) (direction === 'sent' ? this.routed.sent : this.routed.received).inc(count);
  }
}

/** The series of a label value, there from the start at 0. */
function zero<T extends string>(counter: Counter<T>, value: string): CounterChild {
  const child = counter.labels(value);
  child.inc(0);
  return child;
}

function transportLabel(transport: string): string {
  return transport === 'tcp' || transport === 'websocket' ? transport : OTHER;
}
