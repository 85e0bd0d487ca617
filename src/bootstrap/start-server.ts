import type { TlsOptions } from 'node:tls';
import { TcpChatServer } from '../adapters/tcp/tcp-chat-server';
import { InMemoryStorage } from '../adapters/persistence/in-memory/in-memory-storage';
import { TypeOrmStorage } from '../adapters/persistence/typeorm/typeorm-storage';
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
  /** Listen with TLS (certificate and key at least) instead of plain TCP. */
  readonly tls?: TlsOptions;
}

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  readonly core: ChatCore;
  /** Stops accepting, closes connections (friends see the users go offline), closes storage. */
  close(): Promise<void>;
}

/** The core plus the TCP transport, listening. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const core = await createCore(options);
  let server: TcpChatServer;
  let address;
  try {
    server = new TcpChatServer(
      core.useCases,
      core.connections,
      {
        nodeId: options.nodeId ?? DEFAULT_CONFIG.nodeId,
        maxPayload: options.maxPayload ?? DEFAULT_CONFIG.maxPayload,
        maxPayloadBeforeLogin: options.maxPayloadBeforeLogin ?? DEFAULT_CONFIG.maxPayloadBeforeLogin,
        idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_CONFIG.idleTimeoutMs,
        loginTimeoutMs: options.loginTimeoutMs ?? DEFAULT_CONFIG.loginTimeoutMs,
        maxOutputBytes: options.maxOutputBytes ?? DEFAULT_CONFIG.maxOutputBytes,
        rateBurst: options.rateBurst ?? DEFAULT_CONFIG.rateBurst,
        ratePerSecond: options.ratePerSecond ?? DEFAULT_CONFIG.ratePerSecond,
        maxConnections: options.maxConnections ?? DEFAULT_CONFIG.maxConnections,
        loginMaxFailuresPerAddress: options.loginMaxFailuresPerAddress ?? DEFAULT_CONFIG.loginMaxFailuresPerAddress,
        loginFailureWindowMs: options.loginWindowMs ?? DEFAULT_CONFIG.loginWindowMs,
        ackWindow: options.ackWindow ?? DEFAULT_CONFIG.ackWindow,
        shutdownDeadlineMs: options.shutdownDeadlineMs ?? DEFAULT_CONFIG.shutdownDeadlineMs,
        listenBacklog: options.listenBacklog ?? DEFAULT_CONFIG.listenBacklog,
        tls: options.tls,
        clock: options.clock,
        // Storage that works in call order stores a connection's overlapping sends in request order.
        overlapMessageSends:
          core.storage instanceof InMemoryStorage ||
          (core.storage instanceof TypeOrmStorage && core.storage.runsInCallOrder),
      },
      core.logger,
    );
    address = await server.listen(options.port ?? DEFAULT_CONFIG.port, options.host ?? DEFAULT_CONFIG.host);
  } catch (error) {
    await core.close();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    host: address.address,
    port: address.port,
    core,
    close() {
      closing ??= server.close().then(() => core.close());
      return closing;
    },
  };
}
