import type { ChatUseCases } from '../../application';
import type { Clock, Logger } from '../../application/ports';
import type { LocalConnectionRegistry } from '../delivery/local-connection-registry';
import type { AddressFailureCounter, AddressFailureLimits } from '../security/address-failure-counter';
import { InMemoryAddressFailureCounter } from '../security/in-memory-address-failure-counter';
import { SystemClock } from '../system/system-clock';
import { CoarseClock } from './coarse-clock';
import { buildCommandTable } from './command-table';
import { NO_CONNECTION_OBSERVER, type ConnectionObserver, type TransportName } from './connection-observer';
import { errorSummary } from './error-summary';
import {
  ProtocolConnection,
  type ConnectionDependencies,
  type ConnectionLimits,
  type FrameChannel,
} from './protocol-connection';
import { TokenBucket } from './token-bucket';

/**
 * Defaults of the hardening limits. None of them may throttle legitimate heavy use:
 * clients that pipeline hundreds of requests, benchmarks that push thousands of
 * messages a second down one connection, test runs that log in many users from one
 * address.
 */
export const CONNECTION_DEFAULTS = Object.freeze({
  /** Room for REGISTER/LOGIN with the longest name and password, escaped, many times over. */
  maxPayloadBeforeLogin: 4096,
  loginTimeoutMs: 60_000,
  /**
   * The rate sits above what one pipelining connection can be served at on any storage
   * (tens of thousands of messages/s at most on a 2-core machine; about 110k/s for PING),
   * so by default it only trims floods of trivially cheap requests; a server for human
   * clients can set it far lower.
   */
  ratePerSecond: 50_000,
  rateBurst: 10_000,
  /** Only failures count; a whole test run's or NAT's worth of typos stays under it. */
  loginMaxFailuresPerAddress: 100,
  loginFailureWindowMs: 15 * 60_000,
  /** Messages pushed to an acknowledging connection and not yet acknowledged (PROTOCOL §8). */
  ackWindow: 1000,
  /** How long a shutdown waits for sessions to end in order before cutting the rest. */
  shutdownDeadlineMs: 10_000,
});

/** How the connections of every transport behave. */
export interface ConnectionHubOptions {
  /** Prefix of connection ids, unique per server process. */
  readonly nodeId: string;
  /** Largest payload accepted once logged in, in bytes. */
  readonly maxPayload: number;
  /** Close a connection that sends nothing for this long. */
  readonly idleTimeoutMs: number;
  /** Close a connection whose unsent output grows past this many bytes. */
  readonly maxOutputBytes: number;
  /** Largest payload before LOGIN (and after LOGOUT); capped at maxPayload. */
  readonly maxPayloadBeforeLogin?: number;
  /** Close a connection not logged in this long after it opened (or after LOGOUT). */
  readonly loginTimeoutMs?: number;
  /** Requests one connection may send at once past its steady rate. */
  readonly rateBurst?: number;
  /** Requests per second one connection may send, sustained. */
  readonly ratePerSecond?: number;
  /** Failed LOGINs (401) from one address within the window before LOGIN answers 429 for it. */
  readonly loginMaxFailuresPerAddress?: number;
  readonly loginFailureWindowMs?: number;
  /**
   * Builds the per-address count of failed logins with those limits; by default one
   * in this process's memory. A cluster passes one shared by its nodes through Redis.
   */
  readonly loginFailureCounter?: (limits: AddressFailureLimits) => AddressFailureCounter;
  /** Messages pushed to an acknowledging connection and not yet acknowledged, at most (default 1000). */
  readonly ackWindow?: number;
  /** How long `shutdown()` lets connections end in order before it cuts the rest (default 10 s). */
  readonly shutdownDeadlineMs?: number;
  /** Time for the per-address failure window. */
  readonly clock?: Clock;
  /**
   * Let a connection's consecutive SEND_MESSAGE / SEND_GROUP_MESSAGE requests run
   * side by side (replies still in request order), so they share the storage's group
   * commits instead of waiting for one commit each. Only for storage that runs its
   * work in the order it was asked for (SQLite, in-memory): there the messages are
   * stored and pushed in request order. `'direct'`: SEND_MESSAGE only, for storage
   * that stores direct messages in call order but reads a group's members through a
   * pool first (MySQL with one group-commit batch at a time). Off by default.
   */
  readonly overlapMessageSends?: boolean | 'direct';
  /** Told about connections, requests and pushes (metrics). */
  readonly observer?: ConnectionObserver;
}

export function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

/**
 * The connections of one server process, whatever transport carries them: their
 * limits, ids, per-address login failures and orderly shutdown. Every transport opens
 * its connections here, so a client is held to the same rules over TCP and WebSocket,
 * and a LOGIN failure over one counts against the address over the other.
 */
export class ConnectionHub {
  private readonly commands: ReturnType<typeof buildCommandTable>;
  private readonly connections = new Set<ProtocolConnection>();
  private readonly perTransport = new Map<TransportName, number>();
  private readonly drained: (() => void)[] = [];
  private readonly limits: ConnectionLimits;
  private readonly loginFailures: AddressFailureCounter;
  private readonly clock = new CoarseClock();
  private readonly rateBurst: number;
  private readonly ratePerSecond: number;
  private readonly overlapMessageSends: boolean | 'direct';
  private readonly shutdownDeadlineMs: number;
  private readonly observer: ConnectionObserver;
  private readonly nodeId: string;
  private nextConnection = 1;
  private shuttingDown: Promise<void> | null = null;

  constructor(
    private readonly useCases: ChatUseCases,
    private readonly registry: LocalConnectionRegistry,
    options: ConnectionHubOptions,
    private readonly logger: Logger,
  ) {
    const defaults = CONNECTION_DEFAULTS;
    this.limits = {
      maxPayload: options.maxPayload,
      maxPayloadBeforeLogin: Math.min(
        options.maxPayloadBeforeLogin ?? defaults.maxPayloadBeforeLogin,
        options.maxPayload,
      ),
      idleTimeoutMs: options.idleTimeoutMs,
      loginTimeoutMs: options.loginTimeoutMs ?? defaults.loginTimeoutMs,
      maxOutputBytes: options.maxOutputBytes,
      ackWindow: options.ackWindow ?? defaults.ackWindow,
    };
    this.rateBurst = options.rateBurst ?? defaults.rateBurst;
    this.ratePerSecond = options.ratePerSecond ?? defaults.ratePerSecond;
    // Refuse unusable settings now rather than at every accepted connection.
    positiveInteger('maxPayloadBeforeLogin', this.limits.maxPayloadBeforeLogin);
    positiveInteger('loginTimeoutMs', this.limits.loginTimeoutMs);
    positiveInteger('ackWindow', this.limits.ackWindow);
    this.newRequestBudget();
    const failureLimits: AddressFailureLimits = {
      maxFailures: options.loginMaxFailuresPerAddress ?? defaults.loginMaxFailuresPerAddress,
      windowMs: options.loginFailureWindowMs ?? defaults.loginFailureWindowMs,
    };
    this.loginFailures =
      options.loginFailureCounter?.(failureLimits) ??
      new InMemoryAddressFailureCounter({ ...failureLimits, clock: options.clock ?? new SystemClock() });
    this.nodeId = options.nodeId;
    this.shutdownDeadlineMs = options.shutdownDeadlineMs ?? defaults.shutdownDeadlineMs;
    positiveInteger('shutdownDeadlineMs', this.shutdownDeadlineMs);
    this.overlapMessageSends = options.overlapMessageSends ?? false;
    this.observer = options.observer ?? NO_CONNECTION_OBSERVER;
    this.commands = buildCommandTable(useCases);
  }

  /** The limits every connection is held to. */
  get connectionLimits(): ConnectionLimits {
    return this.limits;
  }

  /** Open connections, of one transport or of all. */
  connectionCount(transport?: TransportName): number {
    return transport === undefined ? this.connections.size : (this.perTransport.get(transport) ?? 0);
  }

  /** A transport is taking connections: the coarse clock the rate limits read must run. */
  start(): void {
    this.clock.start();
  }

  /**
   * A connection over `channel`; null (and the channel destroyed) if it could not be set
   * up. `details` go into the "connection opened" log line.
   */
  open(channel: FrameChannel, transport: TransportName, details: Record<string, unknown> = {}): ProtocolConnection | null {
    const id = `${this.nodeId}-${this.nextConnection++}`;
    const dependencies: ConnectionDependencies = {
      commands: this.commands,
      useCases: this.useCases,
      limits: this.limits,
      logger: this.logger,
      requestBudget: this.newRequestBudget(),
      overlapMessageSends: this.overlapMessageSends,
      loginFailures: this.loginFailures,
      observer: this.observer,
    };
    let connection: ProtocolConnection;
    try {
      connection = new ProtocolConnection(id, transport, channel, dependencies, (c) => this.release(c));
    } catch (error) {
      this.logger.error('accepting a connection failed', { connection: id, error: errorSummary(error) });
      channel.destroy('internal error');
      return null;
    }
    this.connections.add(connection);
    this.perTransport.set(transport, this.connectionCount(transport) + 1);
    this.registry.register(connection);
    this.observer.connectionOpened(transport);
    this.logger.info('connection opened', {
      connection: id,
      transport,
      remote: connection.remoteAddress,
      remotePort: connection.remotePort,
      ...details,
    });
    return connection;
  }

  /**
   * Ends every session (one after another, so each user's friends who are still
   * connected see them go offline) and closes the connections, cutting those still
   * open at the deadline. Once, however many transports ask.
   */
  shutdown(): Promise<void> {
    this.shuttingDown ??= this.shutDown();
    return this.shuttingDown;
  }

  private async shutDown(): Promise<void> {
    if (this.connections.size > 0) {
      const allFinished = new Promise<void>((resolve) => this.drained.push(resolve));
      const orderly = (async () => {
        for (const connection of [...this.connections]) await connection.shutdown();
        await allFinished;
      })();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), this.shutdownDeadlineMs);
      });
      // A request stuck on storage, or a session that cannot be ended, must not hold the process.
      if ((await Promise.race([orderly, deadline])) === 'deadline') {
        const cut = this.connections.size;
        for (const connection of [...this.connections]) connection.close('server shutdown deadline');
        this.logger.warn('shutdown deadline passed: connections cut', { connections: cut, deadlineMs: this.shutdownDeadlineMs });
      }
      clearTimeout(timer);
    }
    this.clock.stop();
  }

  private release(connection: ProtocolConnection): void {
    this.registry.unregister(connection.id);
    this.connections.delete(connection);
    this.perTransport.set(connection.transport, this.connectionCount(connection.transport) - 1);
    this.observer.connectionClosed(connection.transport, connection.closeReason);
    this.logger.info('connection closed', {
      connection: connection.id,
      transport: connection.transport,
      remote: connection.remoteAddress,
      durationMs: Date.now() - connection.openedAt,
      reason: connection.closeReason,
      ...(connection.throttledRequests > 0 && { throttledRequests: connection.throttledRequests }),
    });
    if (this.connections.size === 0) for (const resolve of this.drained.splice(0)) resolve();
  }

  private newRequestBudget(): TokenBucket {
    return new TokenBucket({ capacity: this.rateBurst, refillPerSecond: this.ratePerSecond, now: this.clock.now });
  }
}
