import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does with connections: `forward` passes bytes both ways;
 * `refuse` cuts every connection and closes new ones at once (a server that is
 * down); `hang` keeps connections open and passes nothing, old or new (a server
 * or a network that stopped answering).
 */
export type ProxyMode = 'forward' | 'refuse' | 'hang';

interface Pair {
  readonly client: Socket;
  upstream: Socket | null;
}

/**
 * A TCP proxy on a free loopback port in front of a server, for tests that make
 * the server unreachable without stopping it (other tests may share it). Going
 * back to `forward` cuts the connections that hung: their protocol state is lost.
 */
export class TcpProxy {
  private mode: ProxyMode = 'forward';
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { readonly host: string; readonly port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
    return new TcpProxy(server, address.port, target);
  }

  setMode(mode: ProxyMode): void {
    const was = this.mode;
    this.mode = mode;
    if (mode === 'refuse' || (mode === 'forward' && was === 'hang')) {
      for (const pair of [...this.pairs]) this.drop(pair);
    } else if (mode === 'hang') {
      for (const pair of this.pairs) {
        pair.client.unpipe();
        pair.upstream?.unpipe();
        pair.client.pause();
        pair.upstream?.pause();
      }
    }
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.drop(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    const pair: Pair = { client, upstream: null };
    this.pairs.add(pair);
    client.on('close', () => this.drop(pair));
    if (this.mode === 'hang') {
      client.pause();
      return;
    }
    const upstream = connect(this.target);
    pair.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.on('close', () => this.drop(pair));
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}
