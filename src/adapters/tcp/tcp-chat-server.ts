import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { ChatUseCases } from '../../application';
import type { Logger } from '../../application/ports';
import type { LocalConnectionRegistry } from '../delivery/local-connection-registry';
import { buildCommandTable } from './command-table';
import { TcpConnection, type ConnectionLimits } from './tcp-connection';

export interface TcpChatServerOptions extends ConnectionLimits {
  /** Prefix of connection ids, unique per server process. */
  readonly nodeId: string;
}

/** The TCP transport: accepts sockets and drives the use-cases for each. */
export class TcpChatServer {
  private readonly server: Server;
  private readonly commands: ReturnType<typeof buildCommandTable>;
  private readonly connections = new Set<TcpConnection>();
  private readonly drained: (() => void)[] = [];
  private nextConnection = 1;

  constructor(
    private readonly useCases: ChatUseCases,
    private readonly registry: LocalConnectionRegistry,
    private readonly options: TcpChatServerOptions,
    private readonly logger: Logger,
  ) {
    this.commands = buildCommandTable(useCases);
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (error) => this.logger.error('server error', { error: error.message }));
  }

  /** Starts listening; resolves with the address actually bound. */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
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
      for (const connection of [...this.connections]) await connection.shutdown();
      await allFinished;
    }
    await stopped;
  }

  private accept(socket: Socket): void {
    const id = `${this.options.nodeId}-${this.nextConnection++}`;
    const connection = new TcpConnection(id, socket, this.commands, this.useCases, this.options, this.logger, (c) =>
      this.release(c),
    );
    this.connections.add(connection);
    this.registry.register(connection);
    this.logger.info('connection opened', { connection: id, remote: socket.remoteAddress });
  }

  private release(connection: TcpConnection): void {
    this.registry.unregister(connection.id);
    this.connections.delete(connection);
    this.logger.info('connection closed', { connection: connection.id });
    if (this.connections.size === 0) for (const resolve of this.drained.splice(0)) resolve();
  }
}
