/**
 * The public surface: embed the chat core in another Node service, run the TCP
 * server, or unit-test against the in-memory adapters.
 */
import 'reflect-metadata';

export * from './domain';
export * from './application';
export { createCore, type ChatCore, type CoreOptions } from './bootstrap/create-core';
export { startServer, type RunningServer, type ServerOptions } from './bootstrap/start-server';
export { loadConfig, DEFAULT_CONFIG, ConfigError, type ServerConfig } from './bootstrap/config';
export { InMemoryStorage } from './adapters/persistence/in-memory/in-memory-storage';
export { TypeOrmStorage } from './adapters/persistence/typeorm/typeorm-storage';
export { LocalConnectionRegistry, type ClientConnection } from './adapters/delivery/local-connection-registry';
export { InMemoryLoginThrottle } from './adapters/security/in-memory-login-throttle';
export {
  ScryptPasswordHasher,
  DEFAULT_SCRYPT_COST,
  TEST_SCRYPT_COST,
  type ScryptCost,
} from './adapters/crypto/scrypt-password-hasher';
export { SystemClock } from './adapters/system/system-clock';
export {
  PinoLogger,
  JsonLogger,
  parseLogLevel,
  REDACTED_KEYS,
  type LogLevel,
  type PinoLoggerOptions,
  type JsonLoggerOptions,
} from './adapters/system/pino-logger';
export { TcpChatServer } from './adapters/tcp/tcp-chat-server';
export { ChatMetrics, type ChatMetricsOptions } from './adapters/monitoring/chat-metrics';
export type { CheckOutcome, ReadinessReport } from './adapters/monitoring/readiness-check';
export { Command, ServerMessage } from './adapters/protocol/message-types';
export { FrameDecoder } from './adapters/protocol/frame-decoder';
export { encodeFrame } from './adapters/protocol/frame-encoder';
export { escapeField, joinFields, splitFields } from './adapters/protocol/fields';
export {
  ChatClient,
  ChatError,
  ConnectionClosedError,
  ProtocolError,
  RequestTimeoutError,
  runTerminalClient,
  type ChatClientOptions,
  type ChatClientEvents,
  type ConnectOptions,
  type WebSocketClientOptions,
  type ReliableOptions,
  type TerminalClientOptions,
} from './client';
/** The client's data types by name (some share a name with domain types): `client.DirectMessage`. */
export * as client from './client';
