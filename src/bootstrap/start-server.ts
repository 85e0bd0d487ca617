import { TcpChatServer } from '../adapters/tcp/tcp-chat-server';
import { DEFAULT_CONFIG } from './config';
import { createCore, type ChatCore, type CoreOptions } from './create-core';

export interface ServerOptions extends CoreOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly idleTimeoutMs?: number;
  readonly maxPayload?: number;
  readonly maxOutputBytes?: number;
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
  const server = new TcpChatServer(
    core.useCases,
    core.connections,
    {
      nodeId: options.nodeId ?? DEFAULT_CONFIG.nodeId,
      maxPayload: options.maxPayload ?? DEFAULT_CONFIG.maxPayload,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_CONFIG.idleTimeoutMs,
      maxOutputBytes: options.maxOutputBytes ?? DEFAULT_CONFIG.maxOutputBytes,
    },
    core.logger,
  );
  let address;
  try {
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
