import { createServer, type AddressInfo, type DropArgument, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { ChatUseCases } from '../../application';
import type { Clock, Logger } from '../../application/ports';
import type { LocalConnectionRegistry } from '../delivery/local-connection-registry';
import { InMemoryAddressFailureCounter } from '../security/in-memory-address-failure-counter';
import { SystemClock } from '../system/system-clock';
import { buildCommandTable } from '../protocol/command-table';
import { CoarseClock } from '../protocol/coarse-clock';
import { errorSummary } from '../protocol/error-summary';
import { TcpConnection, type ConnectionDependencies, type ConnectionLimits } from './tcp-connection';
import { TokenBucket } from '../protocol/token-bucket';

/**
 * Defaults of the hardening limits. None of them may throttle legitimate heavy use:
 * clients that pipeline hundreds of requests, benchmarks that push thousands of
 * messages a second down one connection, test runs that log in many users from one
 * address.
 */
export const TCP_HARDENING_DEFAULTS = Object.freeze({
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
  maxConnections: 10_000,
  /** Only failures count; a whole test run's or NAT's worth of typos stays under it. */
  loginMaxFailuresPerAddress: 100,
  loginFailureWindowMs: 15 * 60_000,
  /** Messages pushed to an acknowledging connection and not yet acknowledged (PROTOCOL §8). */
  ackWindow: 1000,
  /** How long a shutdown waits for sessions to end in order before cutting the rest. */
  shutdownDeadlineMs: 10_000,
  /**
   * Connections the kernel completes and queues before we accept them. Node's default
   * (511) overflows when thousands of clients reconnect at once (after a restart or a
   * network cut), and each dropped handshake is retried only after the SYN back-off of
   * 1, 3, 7, 15, 31 s. The kernel silently caps the value at net.core.somaxconn, which
   * is 4096 by default since Linux 5.4 (128 before): asking for more than the kernel
   * allows is harmless, raising somaxconn lets a larger value take effect.
   */
  listenBacklog: 4096,
});

export interface TcpChatServerOptions {
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
  /** Sockets open at once; more are closed as they arrive, unread. */
  readonly maxConnections?: number;
  /** Failed LOGINs (401) from one address within the window before LOGIN answers 429 for it. */
  readonly loginMaxFailuresPerAddress?: number;
  readonly loginFailureWindowMs?: number;
  /** Messages pushed to an acknowledging connection and not yet acknowledged, at most (default 1000). */
  readonly ackWindow?: number;
  /** How long `close()` lets connections end in order before it cuts the rest (default 10 s). */
  readonly shutdownDeadlineMs?: number;
  /** Completed connections the kernel queues for accepting (default 4096; capped by net.core.somaxconn). */
  readonly listenBacklog?: number;
  /** Speak the protocol over TLS with these options (certificate and key at least). */
  readonly tls?: TlsOptions;
  /** Time for the per-address failure window. */
  readonly clock?: Clock;
  /**
   * Let a connection's consecutive SEND_MESSAGE / SEND_GROUP_MESSAGE requests run
   * side by side (replies still in request order), so they share the storage's group
   * commits instead of waiting for one commit each. Only for storage that runs its
   * work in the order it was asked for (SQLite, in-memory): there the messages are
   * stored and pushed in request order. Not for MySQL, whose pool may store two
   * overlapping messages the other way round. Off by default.
   */
  readonly overlapMessageSends?: boolean;
}

/** At most one "connection refused" warning per this long. */
const DROP_WARNING_INTERVAL_MS = 1000;
/** Node's own default for a TLS handshake; the login deadline shortens it. */
const MAX_HANDSHAKE_MS = 120_000;

function positiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

/** The TCP (or TLS) transport: accepts sockets and drives the use-cases for each. */
export class TcpChatServer {
  private readonly server: Server;
  private readonly commands: ReturnType<typeof buildCommandTable>;
  private readonly connections = new Set<TcpConnection>();
  private readonly drained: (() => void)[] = [];
  private readonly limits: ConnectionLimits;
  private readonly overlapMessageSends: boolean;
  private readonly loginFailures: InMemoryAddressFailureCounter;
  private readonly clock = new CoarseClock();
  private readonly rateBurst: number;
  private readonly ratePerSecond: number;
  private readonly maxConnections: number;
  private readonly nodeId: string;
  private readonly shutdownDeadlineMs: number;
  private readonly listenBacklog: number;
  /** Whether sockets speak TLS. */
  readonly isTls: boolean;
  private nextConnection = 1;
  private lastDropWarning = -Infinity;
  private droppedSinceWarning = 0;

  constructor(
    private readonly useCases: ChatUseCases,
    private readonly registry: LocalConnectionRegistry,
    options: TcpChatServerOptions,
    private readonly logger: Logger,
  ) {
    const defaults = TCP_HARDENING_DEFAULTS;
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
    this.maxConnections = options.maxConnections ?? defaults.maxConnections;
    // Refuse unusable settings now rather than at every accepted socket.
    positiveInteger('maxPayloadBeforeLogin', this.limits.maxPayloadBeforeLogin);
    positiveInteger('loginTimeoutMs', this.limits.loginTimeoutMs);
    positiveInteger('maxConnections', this.maxConnections);
    positiveInteger('ackWindow', this.limits.ackWindow);
    this.newRequestBudget();
    this.loginFailures = new InMemoryAddressFailureCounter({
      maxFailures: options.loginMaxFailuresPerAddress ?? defaults.loginMaxFailuresPerAddress,
      windowMs: options.loginFailureWindowMs ?? defaults.loginFailureWindowMs,
      clock: options.clock ?? new SystemClock(),
    });
    this.nodeId = options.nodeId;
    this.shutdownDeadlineMs = options.shutdownDeadlineMs ?? defaults.shutdownDeadlineMs;
    positiveInteger('shutdownDeadlineMs', this.shutdownDeadlineMs);
    this.listenBacklog = options.listenBacklog ?? defaults.listenBacklog;
    positiveInteger('listenBacklog', this.listenBacklog);
    this.overlapMessageSends = options.overlapMessageSends ?? false;
    this.commands = buildCommandTable(useCases);

    const accept = (socket: Socket): void => this.accept(socket);
    if (options.tls) {
      const server = createTlsServer(
        {
          handshakeTimeout: Math.min(this.limits.loginTimeoutMs, MAX_HANDSHAKE_MS),
          ...options.tls,
          noDelay: true,
        },
        accept,
      );
      // A failed handshake (a scanner, a plain-TCP client): Node destroys the socket.
      server.on('tlsClientError', (error) => this.logger.debug('tls handshake failed', { error: errorSummary(error) }));
      this.server = server;
    } else {
      this.server = createServer({ noDelay: true }, accept);
    }
    this.isTls = options.tls !== undefined;
    // Node closes sockets past this count as they arrive, before reading from them.
    this.server.maxConnections = this.maxConnections;
    this.server.on('drop', (data?: DropArgument) => this.dropped(data));
    this.server.on('error', (error) => this.logger.error('server error', { error: errorSummary(error) }));
  }

  /** Starts listening; resolves with the address actually bound. */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, this.listenBacklog, () => {
        this.server.off('error', onError);
        this.clock.start();
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting, ends every session (one after another, so each user's friends who
   * are still connected see them go offline), closes the sockets and waits for them.
   */
  async close(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
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
    await stopped;
    this.clock.stop();
  }

  private accept(socket: Socket): void {
    const id = `${this.nodeId}-${this.nextConnection++}`;
    const dependencies: ConnectionDependencies = {
      commands: this.commands,
      useCases: this.useCases,
      limits: this.limits,
      logger: this.logger,
      requestBudget: this.newRequestBudget(),
      overlapMessageSends: this.overlapMessageSends,
      loginFailures: this.loginFailures,
    };
    let connection: TcpConnection;
    try {
      connection = new TcpConnection(id, socket, dependencies, (c) => this.release(c));
    } catch (error) {
      this.logger.error('accepting a connection failed', { connection: id, error: errorSummary(error) });
      socket.destroy();
      return;
    }
    this.connections.add(connection);
    this.registry.register(connection);
    this.logger.info('connection opened', {
      connection: id,
      remote: connection.remoteAddress,
      remotePort: connection.remotePort,
      tls: this.isTls,
    });
  }

  private release(connection: TcpConnection): void {
    this.registry.unregister(connection.id);
    this.connections.delete(connection);
    this.logger.info('connection closed', {
      connection: connection.id,
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

  /** A socket refused at the connection limit: warn, but at most once a second. */
  private dropped(data: DropArgument | undefined): void {
    this.droppedSinceWarning += 1;
    const now = Date.now();
    if (now - this.lastDropWarning < DROP_WARNING_INTERVAL_MS) return;
    this.logger.warn('connection refused: too many connections', {
      maxConnections: this.maxConnections,
      refused: this.droppedSinceWarning,
      remote: data?.remoteAddress,
    });
    this.lastDropWarning = now;
    this.droppedSinceWarning = 0;
  }
}
