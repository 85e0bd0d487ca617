import { createHash, randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import type { UserId } from '../../domain';
import type { Clock, Delivery, Logger, Presence, PushEvent } from '../../application/ports';
import { describeError } from '../../application';
import type { LocalConnectionRegistry } from '../delivery/local-connection-registry';
import { ATTACH, DETACH, REAP, RESYNC, ROUTE } from './cluster-scripts';
import { redactDatabaseUrl as redactUrl } from '../persistence/typeorm/database-url';
import { RedisAddressFailureCounter, RedisFailureCounter } from './redis-failure-counter';

export interface RedisClusterOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS). */
  readonly url: string;
  /** Put before every key and channel, so several chats (or tests) can share one Redis. */
  readonly prefix: string;
  /** This node's id, unique in the cluster; never contains "|". */
  readonly nodeId: string;
  /** How long a node's heartbeat lives in Redis; it is renewed every third of that. */
  readonly nodeTtlMs: number;
  /** How long joining may wait for Redis, and for an earlier node of the same id to go away. */
  readonly joinTimeoutMs?: number;
  readonly logger: Logger;
  /** Told about the pushes routed between nodes (metrics); nothing by default. */
  readonly observer?: ClusterObserver;
}

/**
 * What the cluster reports, for metrics: an implementation counts and does
 * nothing that can throw or wait.
 */
export interface ClusterObserver {
  /**
   * Pushes routed between nodes: `sent`, published to other nodes (one per node
   * holding some of the recipients); `received`, taken from another node to write
   * to this node's connections.
   */
  pushesRouted(direction: 'sent' | 'received', count: number): void;
}

const NO_CLUSTER_OBSERVER: ClusterObserver = Object.freeze({ pushesRouted() {} });

/** What the cluster asks of the rest of the server. */
export interface ClusterHandlers {
  /**
   * This node is writing a message push that another node sent to these recipients:
   * record it delivered for those `reached` settles with (the writing node records it).
   */
  delivered(event: PushEvent, recipients: readonly UserId[], reached: Promise<readonly UserId[]>): Promise<void>;
  /**
   * Another node died and this node took its place in Redis: clear its stored
   * sessions, tell friends. Retried at the next heartbeat while it fails.
   */
  nodeLost(nodeId: string): Promise<void>;
  /**
   * This node had been counted dead (it could not reach Redis for longer than the
   * TTL) and is back: these users' friends were told they went offline.
   */
  usersBack(userIds: readonly UserId[]): Promise<void>;
}

type RedisClient = ReturnType<typeof createClient>;

/** An entry of a message on a node's channel, as ROUTE publishes it. */
interface RoutedMessage {
  readonly kind: 'push' | 'kick';
  readonly users: readonly UserId[];
  readonly event?: PushEvent;
}

const KICK = Symbol('kick');
const MESSAGE_KINDS: ReadonlySet<PushEvent['kind']> = new Set(['direct-message', 'group-message']);

/** Reconnect delays: 100 ms doubling to 5 s, with jitter so nodes do not reconnect in step. */
function reconnectDelay(retries: number): number {
  const base = Math.min(100 * 2 ** Math.min(retries, 6), 5_000);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * Presence and delivery across the nodes of a cluster, through Redis. Each node
 * keeps its own connections in a LocalConnectionRegistry and writes to them
 * itself; Redis knows which node holds which user's connections, and routes a push
 * for a user to those nodes over pub/sub. A node that writes a message push it
 * received from another node records the delivery itself (ClusterHandlers.delivered);
 * one that never gets it leaves the message undelivered, to be fetched later.
 *
 * While Redis is unreachable the node serves its own connections alone (presence
 * from what it holds, pushes to its own users) and, once Redis is back, makes
 * Redis hold its connections again.
 */
export class RedisCluster implements Presence, Delivery {
  private readonly keys: {
    readonly alive: string;
    readonly nodes: string;
    readonly unsettled: string;
    readonly online: string;
    readonly channel: string;
  };
  private readonly token = randomBytes(8).toString('hex');
  private heartbeat: NodeJS.Timeout | null = null;
  private beating = false;
  private joined = false;
  /** Why connecting failed, while joining: named in join's error. */
  private joinError: string | null = null;
  /**
   * No node is reaped before this time: after a reconnect the other nodes get one
   * TTL to renew heartbeats that expired while Redis was away.
   */
  private reapNotBefore = 0;
  private closed = false;
  /** Redis lost since the last sync: the node's connections must be written again. */
  private outOfSync = false;
  private reportedLoss = false;
  private readonly routes = new Map<PushEvent | typeof KICK, UserId[]>();
  private flushScheduled = false;
  private readonly observer: ClusterObserver;

  private constructor(
    private readonly local: LocalConnectionRegistry,
    private readonly options: RedisClusterOptions,
    private readonly handlers: ClusterHandlers,
    private readonly commands: RedisClient,
    private readonly subscriber: RedisClient,
  ) {
    this.observer = options.observer ?? NO_CLUSTER_OBSERVER;
    const p = options.prefix;
    this.keys = {
      alive: `${p}n:${options.nodeId}:alive`,
      nodes: `${p}nodes`,
      unsettled: `${p}unsettled`,
      online: `${p}online`,
      channel: `${p}n:${options.nodeId}:ch`,
    };
  }

  /**
   * Connects to Redis and joins: waits until no running node has the same id,
   * clears what an earlier run of this node left, listens on its channel and starts
   * its heartbeat. Throws (with the URL's password left out) when Redis cannot be
   * reached within the join timeout.
   */
  static async join(
    local: LocalConnectionRegistry,
    options: RedisClusterOptions,
    handlers: ClusterHandlers,
  ): Promise<RedisCluster> {
    const timeoutMs = options.joinTimeoutMs ?? 10_000;
    const commands: RedisClient = createClient({
      url: options.url,
      // Fail at once while disconnected rather than queue: callers fall back to local service.
      disableOfflineQueue: true,
      socket: { connectTimeout: Math.min(timeoutMs, 5_000), reconnectStrategy: reconnectDelay },
    });
    const subscriber = commands.duplicate();
    const cluster = new RedisCluster(local, options, handlers, commands, subscriber);
    cluster.watch(commands);
    cluster.watch(subscriber);
    try {
      await withTimeout(Promise.all([commands.connect(), subscriber.connect()]), timeoutMs, () => {
        const reason = cluster.joinError ? `: ${cluster.joinError}` : '';
        return `Redis at ${redactUrl(options.url)} cannot be reached within ${timeoutMs} ms${reason}`;
      });
      await cluster.claimNodeId(timeoutMs);
      await cluster.script(REAP, [options.prefix, options.nodeId, 'own']);
      await commands.sendCommand(['SADD', cluster.keys.nodes, options.nodeId]);
      await subscriber.subscribe(cluster.keys.channel, (message) => cluster.receive(message));
    } catch (error) {
      cluster.closed = true;
      commands.destroy();
      subscriber.destroy();
      throw error;
    }
    cluster.joined = true;
    const beatMs = Math.max(Math.floor(options.nodeTtlMs / 3), 50);
    cluster.heartbeat = setInterval(() => void cluster.beat(), beatMs);
    cluster.heartbeat.unref();
    return cluster;
  }

  /** Whether both links to Redis (commands and subscription) are up; false once closed. */
  get connected(): boolean {
    return !this.closed && this.commands.isReady && this.subscriber.isReady;
  }

  // ---- Presence -------------------------------------------------------------

  async attach(userId: UserId, connectionId: string): Promise<{ readonly first: boolean }> {
    const local = await this.local.attach(userId, connectionId);
    try {
      const first = await this.script(ATTACH, [this.options.prefix, String(userId), this.options.nodeId, connectionId]);
      return { first: first === 1 };
    } catch (error) {
      this.lostSync('attach', error);
      return local;
    }
  }

  async detach(userId: UserId, connectionId: string): Promise<{ readonly last: boolean }> {
    const local = await this.local.detach(userId, connectionId);
    try {
      const last = await this.script(DETACH, [this.options.prefix, String(userId), this.options.nodeId, connectionId]);
      return { last: last === 1 };
    } catch (error) {
      this.lostSync('detach', error);
      return local;
    }
  }

  async isOnline(userId: UserId): Promise<boolean> {
    try {
      return (await this.commands.sendCommand<unknown>(['SISMEMBER', this.keys.online, String(userId)])) === 1;
    } catch {
      return this.local.isOnline(userId);
    }
  }

  async onlineAmong(userIds: readonly UserId[]): Promise<ReadonlySet<UserId>> {
    if (userIds.length === 0) return new Set();
    try {
      const flags = await this.commands.sendCommand<unknown[]>(['SMISMEMBER', this.keys.online, ...userIds.map(String)]);
      return new Set(userIds.filter((_, i) => flags[i] === 1));
    } catch {
      return this.local.onlineAmong(userIds);
    }
  }

  async onlineUsers(): Promise<UserId[]> {
    try {
      const members = await this.commands.sendCommand<unknown[]>(['SMEMBERS', this.keys.online]);
      return members.map(Number).filter(Number.isSafeInteger);
    } catch {
      return this.local.onlineUsers();
    }
  }

  // ---- Failed logins --------------------------------------------------------

  /**
   * A count of failed logins (scope "user" or "addr") that every node of the
   * cluster shares; counted by this node alone while Redis is away.
   */
  failureCounter(scope: string, limits: { readonly maxFailures: number; readonly windowMs: number }, clock: Clock): RedisFailureCounter {
    return new RedisFailureCounter({
      run: (source, args) => this.script(source, args),
      prefix: this.options.prefix,
      scope,
      maxFailures: limits.maxFailures,
      windowMs: limits.windowMs,
      clock,
      logger: this.options.logger,
    });
  }

  /** Failed logins per remote address (IPv6 by /64), shared by the cluster's nodes. */
  failureCounterForAddresses(
    limits: { readonly maxFailures: number; readonly windowMs: number },
    clock: Clock,
  ): RedisAddressFailureCounter {
    return new RedisAddressFailureCounter(this.failureCounter('addr', limits, clock));
  }

  // ---- Delivery -------------------------------------------------------------

  /** Writes to this node's connections of the user and routes the event to the other nodes that hold some. */
  push(userId: UserId, event: PushEvent): Promise<boolean> {
    this.route(event, userId);
    return this.local.push(userId, event);
  }

  async disconnectUser(userId: UserId): Promise<void> {
    this.route(KICK, userId);
    await this.local.disconnectUser(userId);
  }

  /** Leaves the cluster: stops the heartbeat, removes what Redis holds for this node, disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.flushRoutes();
    try {
      await this.script(REAP, [this.options.prefix, this.options.nodeId, 'own']);
      await this.commands.sendCommand(['DEL', this.keys.alive]);
    } catch (error) {
      // Redis away: the heartbeat expires and another node reaps what is left.
      this.options.logger.warn('leaving the cluster cleanly failed', { error: describeError(error) });
    }
    await Promise.allSettled([this.subscriber.close(), this.commands.close()]);
    this.commands.destroy();
    this.subscriber.destroy();
  }

  // ---- internals ------------------------------------------------------------

  /**
   * Queues the user for routing. The queue is flushed after the current turn of the
   * event loop, so every push of that turn (a group message to many members, a
   * batch's messages to many receivers) costs one Redis call, and each other node
   * one message.
   */
  private route(event: PushEvent | typeof KICK, userId: UserId): void {
    if (this.closed) return;
    const users = this.routes.get(event);
    if (users) users.push(userId);
    else this.routes.set(event, [userId]);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushRoutes());
    }
  }

  private flushRoutes(): void {
    this.flushScheduled = false;
    if (this.routes.size === 0) return;
    const batches = [...this.routes];
    this.routes.clear();
    // While Redis is away only this node's own connections are served.
    if (!this.commands.isReady) return;
    const args = [this.options.prefix, this.options.nodeId];
    let pushes = false;
    for (const [event, users] of batches) {
      pushes ||= event !== KICK;
      args.push(event === KICK ? 'kick' : 'push', event === KICK ? '' : JSON.stringify(event), String(users.length), ...users.map(String));
    }
    this.script(ROUTE, args).then(
      (routed) => {
        if (pushes && typeof routed === 'number' && routed > 0) this.observer.pushesRouted('sent', routed);
      },
      (error: unknown) => this.options.logger.warn('routing a push to other nodes failed', { error: describeError(error) }),
    );
  }

  /** What another node published on this node's channel: the entries of one flush. */
  private receive(raw: string): void {
    const messages = parseRouted(raw);
    if (!messages) {
      this.options.logger.warn('ignored a malformed cluster message', { bytes: raw.length });
      return;
    }
    for (const message of messages) this.deliverRouted(message);
  }

  private deliverRouted(message: RoutedMessage): void {
    if (message.kind === 'kick') {
      for (const userId of message.users) void this.local.disconnectUser(userId);
      return;
    }
    const event = message.event;
    if (!event) return;
    this.observer.pushesRouted('received', 1);
    const pushes = message.users.map((userId) => this.local.push(userId, event));
    if (!MESSAGE_KINDS.has(event.kind)) return;
    // Handed over at once, so the recipients' offline fetches know a delivery is on its way.
    const reached = Promise.all(pushes).then((written) => message.users.filter((_, i) => written[i]));
    this.handlers
      .delivered(event, message.users, reached)
      .catch((error: unknown) =>
        this.options.logger.error('recording a routed delivery failed', { error: describeError(error) }),
      );
  }

  /** Renews the heartbeat, rejoins after a loss, and reaps nodes whose heartbeat expired. */
  private async beat(): Promise<void> {
    if (this.beating || this.closed || !this.commands.isReady) return;
    this.beating = true;
    try {
      await this.commands.sendCommand(['SET', this.keys.alive, this.token, 'PX', String(this.options.nodeTtlMs)]);
      const added = await this.commands.sendCommand<unknown>(['SADD', this.keys.nodes, this.options.nodeId]);
      // Not in the node set any more: Redis lost its data, or another node reaped this one.
      if (added === 1) this.outOfSync = true;
      if (this.outOfSync) await this.resync();
      await this.reapDeadNodes();
    } catch (error) {
      this.options.logger.debug('heartbeat failed', { error: describeError(error) });
    } finally {
      this.beating = false;
    }
  }

  private async reapDeadNodes(): Promise<void> {
    if (Date.now() < this.reapNotBefore) return;
    const nodes = (await this.commands.sendCommand<unknown[]>(['SMEMBERS', this.keys.nodes])).map(String);
    for (const nodeId of nodes) {
      if (nodeId === this.options.nodeId) continue;
      const alive = await this.commands.sendCommand<unknown>(['EXISTS', `${this.options.prefix}n:${nodeId}:alive`]);
      if (alive === 1) continue;
      const removed = await this.script(REAP, [this.options.prefix, nodeId, 'claim']);
      if (typeof removed !== 'number' || removed < 0) continue; // another node reaped it first
      this.options.logger.warn('node lost', { nodeId, connections: removed });
    }
    await this.settleLostNodes();
  }

  /**
   * Clears the stored sessions of reaped nodes, each by one node at a time (SREM
   * decides who); one that fails (the database away, say) goes back for the next
   * heartbeat, of whichever node.
   */
  private async settleLostNodes(): Promise<void> {
    for (;;) {
      const nodeId = await this.commands.sendCommand<unknown>(['SPOP', this.keys.unsettled]);
      if (typeof nodeId !== 'string') return;
      try {
        await this.handlers.nodeLost(nodeId);
      } catch (error) {
        this.options.logger.error('clearing a lost node failed; retried', { nodeId, error: describeError(error) });
        await this.commands.sendCommand(['SADD', this.keys.unsettled, nodeId]);
        return;
      }
    }
  }

  /** Makes Redis hold exactly this node's logged-in connections again. */
  private async resync(): Promise<void> {
    const args = [this.options.prefix, this.options.nodeId];
    for (const [userId, connectionId] of this.local.loggedInConnections()) args.push(String(userId), connectionId);
    const back = await this.script(RESYNC, args);
    await this.commands.sendCommand(['SET', this.keys.alive, this.token, 'PX', String(this.options.nodeTtlMs)]);
    this.outOfSync = false;
    const users = Array.isArray(back) ? back.map(Number).filter(Number.isSafeInteger) : [];
    if (users.length === 0) return;
    this.options.logger.warn('rejoined the cluster after being counted dead', { users: users.length });
    await this.handlers
      .usersBack(users)
      .catch((error: unknown) => this.options.logger.error('announcing users back failed', { error: describeError(error) }));
  }

  private lostSync(operation: string, error: unknown): void {
    this.outOfSync = true;
    this.options.logger.debug('cluster state not updated; resynced once Redis is back', {
      operation,
      error: describeError(error),
    });
  }

  /** Logs a lost connection once, and its return once both clients are back and the state is resynced. */
  private watch(client: RedisClient): void {
    client.on('error', (error: unknown) => {
      // Before joining, join() reports the failure itself.
      if (!this.joined) {
        this.joinError = errorCode(error);
        return;
      }
      if (this.closed || this.reportedLoss) return;
      this.reportedLoss = true;
      this.outOfSync = true;
      this.options.logger.warn('redis connection lost', { error: describeError(error) });
    });
    client.on('ready', () => {
      if (this.closed || !this.reportedLoss) return;
      if (!this.commands.isReady || !this.subscriber.isReady) return;
      this.reapNotBefore = Date.now() + this.options.nodeTtlMs;
      this.resync().then(
        () => {
          this.reportedLoss = false;
          this.options.logger.info('redis connection restored', { nodeId: this.options.nodeId });
        },
        (error: unknown) => this.options.logger.warn('resync after reconnect failed', { error: describeError(error) }),
      );
    });
  }

  /**
   * Takes this node's id: its heartbeat key is set only if no node holds it. A key
   * left by a crashed run of the same id expires within the TTL; one renewed all
   * along belongs to a running node, and joining fails.
   */
  private async claimNodeId(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + Math.max(timeoutMs, this.options.nodeTtlMs + 1_000);
    for (;;) {
      const set = await this.commands.sendCommand<unknown>([
        'SET',
        this.keys.alive,
        this.token,
        'NX',
        'PX',
        String(this.options.nodeTtlMs),
      ]);
      if (set !== null) return;
      if (Date.now() >= deadline) {
        throw new Error(
          `node id "${this.options.nodeId}" is in use by a running node: give each node its own CHAT_NODE_ID`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, this.options.nodeTtlMs / 4)));
    }
  }

  /** Runs a script by its SHA1, sending its text only when Redis does not have it (after a restart, say). */
  private async script(source: string, args: readonly string[]): Promise<unknown> {
    const sha = SHAS.get(source) ?? sha1(source);
    SHAS.set(source, sha);
    try {
      return await this.commands.sendCommand(['EVALSHA', sha, '0', ...args]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.commands.sendCommand(['EVAL', source, '0', ...args]);
    }
  }
}

const SHAS = new Map<string, string>();

/**
 * A channel message: an array of entries (one per event of a flush), or one entry
 * as nodes of earlier releases publish it. Null when any part is malformed.
 */
function parseRouted(raw: string): RoutedMessage[] | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  const entries: unknown[] = Array.isArray(value) ? value : [value];
  const messages: RoutedMessage[] = [];
  for (const entry of entries) {
    const message = routedEntry(entry);
    if (!message) return null;
    messages.push(message);
  }
  return messages;
}

function routedEntry(value: unknown): RoutedMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const { kind, users, event } = value as Record<string, unknown>;
  if (kind !== 'push' && kind !== 'kick') return null;
  if (!Array.isArray(users) || !users.every((id) => Number.isSafeInteger(id))) return null;
  if (kind === 'kick') return { kind, users: users as UserId[] };
  if (typeof event !== 'object' || event === null || typeof (event as { kind?: unknown }).kind !== 'string') return null;
  return { kind, users: users as UserId[], event: event as PushEvent };
}

/** A socket error's code (ECONNREFUSED, ...), or its message: never a URL, which may hold a password. */
function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.name : 'unknown error';
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
