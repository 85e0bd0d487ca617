import { createServer, type AddressInfo, type DropArgument, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import type { ChatUseCases } from '../../application';
import type { Logger } from '../../application/ports';
import type { LocalConnectionRegistry } from '../delivery/local-connection-registry';
import { CONNECTION_DEFAULTS, ConnectionHub, positiveInteger, type ConnectionHubOptions } from '../protocol/connection-hub';
import { errorSummary } from '../protocol/error-summary';
import { TcpChannel } from './tcp-channel';

/** Defaults of the hardening limits (see CONNECTION_DEFAULTS) and of the TCP listener's own. */
export const TCP_HARDENING_DEFAULTS = Object.freeze({
  ...CONNECTION_DEFAULTS,
  maxConnections: 10_000,
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

export interface TcpChatServerOptions extends ConnectionHubOptions {
  /** Sockets open at once; more are closed as they arrive, unread. */
  readonly maxConnections?: number;
  /** Completed connections the kernel queues for accepting (default 4096; capped by net.core.somaxconn). */
  readonly listenBacklog?: number;
  /** Speak the protocol over TLS with these options (certificate and key at least). */
  readonly tls?: TlsOptions;
  /**
   * The connections of the whole server, shared with its other transports; the
   * connection options above are then the hub's, not these. By default the TCP
   * server has a hub of its own, built from these options.
   */
  readonly hub?: ConnectionHub;
}

/** At most one "connection refused" warning per this long. */
const DROP_WARNING_INTERVAL_MS = 1000;
/** Node's own default for a TLS handshake; the login deadline shortens it. */
const MAX_HANDSHAKE_MS = 120_000;

/** The TCP (or TLS) transport: accepts sockets and opens a connection for each. */
export class TcpChatServer {
  private readonly server: Server;
  private readonly hub: ConnectionHub;
  private readonly maxConnections: number;
  private readonly listenBacklog: number;
  /** Whether sockets speak TLS. */
  readonly isTls: boolean;
  private lastDropWarning = -Infinity;
  private droppedSinceWarning = 0;

  constructor(
    useCases: ChatUseCases,
    registry: LocalConnectionRegistry,
    options: TcpChatServerOptions,
    private readonly logger: Logger,
  ) {
    const defaults = TCP_HARDENING_DEFAULTS;
    this.hub = options.hub ?? new ConnectionHub(useCases, registry, options, logger);
    this.maxConnections = options.maxConnections ?? defaults.maxConnections;
    positiveInteger('maxConnections', this.maxConnections);
    this.listenBacklog = options.listenBacklog ?? defaults.listenBacklog;
    positiveInteger('listenBacklog', this.listenBacklog);

    const accept = (socket: Socket): void => this.accept(socket);
    if (options.tls) {
      const server = createTlsServer(
        {
          handshakeTimeout: Math.min(this.hub.connectionLimits.loginTimeoutMs, MAX_HANDSHAKE_MS),
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
        this.hub.start();
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Open TCP connections. */
  get connectionCount(): number {
    return this.hub.connectionCount('tcp');
  }

  /**
   * Stops accepting, ends every session of the hub (one after another, so each user's
   * friends who are still connected see them go offline), closes the connections and
   * waits for them.
   */
  async close(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.hub.shutdown();
    await stopped;
  }

  private accept(socket: Socket): void {
    let channel: TcpChannel;
    try {
      channel = new TcpChannel(socket);
    } catch (error) {
      this.logger.error('accepting a connection failed', { error: errorSummary(error) });
      socket.destroy();
      return;
    }
    this.hub.open(channel, 'tcp', { tls: this.isTls });
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
