import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TlsOptions } from 'node:tls';
import { HttpListener } from '../adapters/http/http-listener';
import { ConnectionHub, type ConnectionHubOptions } from '../adapters/protocol/connection-hub';
import { TcpChatServer } from '../adapters/tcp/tcp-chat-server';
import { WebSocketTransport, type OriginPolicy } from '../adapters/websocket/websocket-transport';
import { InMemoryStorage } from '../adapters/persistence/in-memory/in-memory-storage';
import { TypeOrmStorage } from '../adapters/persistence/typeorm/typeorm-storage';
import type { Storage } from '../application/ports';
import { DEFAULT_CONFIG } from './config';
import { createCore, type ChatCore, type CoreOptions } from './create-core';

export interface ServerOptions extends CoreOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly idleTimeoutMs?: number;
  readonly maxPayload?: number;
  /** Largest payload before LOGIN succeeds (and after LOGOUT); capped at maxPayload. */
  readonly maxPayloadBeforeLogin?: number;
  /** Close a connection not logged in this long after it opened (or after LOGOUT). */
  readonly loginTimeoutMs?: number;
  readonly maxOutputBytes?: number;
  /** Requests one connection may send in a burst, and per second sustained; past them it gets 429. */
  readonly rateBurst?: number;
  readonly ratePerSecond?: number;
  /** Sockets open at once; more are closed unread as they arrive. */
  readonly maxConnections?: number;
  /** Failed LOGINs from one remote address within `loginWindowMs` before LOGIN answers 429 for it. */
  readonly loginMaxFailuresPerAddress?: number;
  /** Messages pushed to an acknowledging connection (PROTOCOL §8) and not yet acknowledged, at most (default 1000). */
  readonly ackWindow?: number;
  /** How long closing lets connections end in order before cutting the rest (default 10 s). */
  readonly shutdownDeadlineMs?: number;
  /** Completed connections the kernel queues for accepting (default 4096; the kernel caps it at net.core.somaxconn). */
  readonly listenBacklog?: number;
  /** Listen with TLS (certificate and key at least) instead of plain TCP; the HTTP listener then speaks HTTPS. */
  readonly tls?: TlsOptions;
  /** The HTTP listener's port (WebSocket at /ws, web client, /metrics, /healthz, /readyz); 0 picks a free one, null: none (default 8080). */
  readonly httpPort?: number | null;
  /** Which pages may open a WebSocket (default: the page's own origin). */
  readonly wsOrigins?: OriginPolicy;
  /** The web client's files, served at `/` (default: the package's dist/web); null serves none. */
  readonly webRoot?: string | null;
}

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** The HTTP listener's port; null when it is off. */
  readonly httpPort: number | null;
  readonly core: ChatCore;
  /** Stops accepting, closes connections (friends see the users go offline), closes storage. */
  close(): Promise<void>;
}

/** The package's root: the nearest folder above this file with a package.json. */
function packageRoot(): string {
  let folder = __dirname;
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) return process.cwd();
    folder = parent;
  }
  return folder;
}

/** Where `npm run build` puts the web client. */
export function defaultWebRoot(): string {
  return join(packageRoot(), 'dist', 'web');
}

/** The core plus its transports, listening: TCP, and HTTP with the WebSocket transport. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const core = await createCore(options);
  const host = options.host ?? DEFAULT_CONFIG.host;
  const connectionOptions: ConnectionHubOptions = {
    nodeId: options.nodeId ?? DEFAULT_CONFIG.nodeId,
    maxPayload: options.maxPayload ?? DEFAULT_CONFIG.maxPayload,
    maxPayloadBeforeLogin: options.maxPayloadBeforeLogin ?? DEFAULT_CONFIG.maxPayloadBeforeLogin,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_CONFIG.idleTimeoutMs,
    loginTimeoutMs: options.loginTimeoutMs ?? DEFAULT_CONFIG.loginTimeoutMs,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_CONFIG.maxOutputBytes,
    rateBurst: options.rateBurst ?? DEFAULT_CONFIG.rateBurst,
    ratePerSecond: options.ratePerSecond ?? DEFAULT_CONFIG.ratePerSecond,
    loginMaxFailuresPerAddress: options.loginMaxFailuresPerAddress ?? DEFAULT_CONFIG.loginMaxFailuresPerAddress,
    loginFailureWindowMs: options.loginWindowMs ?? DEFAULT_CONFIG.loginWindowMs,
    ackWindow: options.ackWindow ?? DEFAULT_CONFIG.ackWindow,
    shutdownDeadlineMs: options.shutdownDeadlineMs ?? DEFAULT_CONFIG.shutdownDeadlineMs,
    clock: options.clock,
    loginFailureCounter: core.loginFailureCounter,
    observer: core.metrics,
    // Storage that works in call order stores a connection's overlapping sends in request order.
    overlapMessageSends: overlappingSends(core.storage),
  };
  const maxConnections = options.maxConnections ?? DEFAULT_CONFIG.maxConnections;
  const httpPort = options.httpPort === undefined ? DEFAULT_CONFIG.httpPort : options.httpPort;
  let server: TcpChatServer | null = null;
  let http: HttpListener | null = null;
  let address;
  let httpAddress = null;
  try {
    // One hub for both transports: the same rules, one count of failed logins per address.
    const hub = new ConnectionHub(core.useCases, core.connections, connectionOptions, core.logger);
    server = new TcpChatServer(
      core.useCases,
      core.connections,
      {
        ...connectionOptions,
        hub,
        maxConnections,
        listenBacklog: options.listenBacklog ?? DEFAULT_CONFIG.listenBacklog,
        tls: options.tls,
      },
      core.logger,
    );
    address = await server.listen(options.port ?? DEFAULT_CONFIG.port, host);
    if (httpPort !== null) {
      const websocket = new WebSocketTransport(
        hub,
        { maxConnections, origins: options.wsOrigins ?? DEFAULT_CONFIG.wsOrigins, tls: options.tls !== undefined },
        core.logger,
      );
      http = new HttpListener(
        {
          webRoot: options.webRoot === undefined ? defaultWebRoot() : options.webRoot,
          websocket,
          endpoints: { metrics: core.metrics, ready: () => core.ready() },
          tls: options.tls,
        },
        core.logger,
      );
      httpAddress = await http.listen(httpPort, host);
    }
  } catch (error) {
    await server?.close();
    await core.close();
    throw error;
  }
  const tcp = server;
  let closing: Promise<void> | null = null;
  return {
    host: address.address,
    port: address.port,
    httpPort: httpAddress?.port ?? null,
    core,
    close() {
      closing ??= Promise.all([tcp.close(), http?.close()]).then(() => core.close());
      return closing;
    },
  };
}

/** Which of a connection's message sends may overlap on this storage (see ConnectionHubOptions). */
function overlappingSends(storage: Storage): boolean | 'direct' {
  if (storage instanceof InMemoryStorage) return true;
  if (!(storage instanceof TypeOrmStorage)) return false;
  if (storage.runsInCallOrder) return true;
  return storage.storesDirectMessagesInCallOrder ? 'direct' : false;
}
