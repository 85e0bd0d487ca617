import { Command, ServerMessage } from '../protocol/message-types';

/**
 * Label values for the metrics, each from a fixed set: a client chooses the
 * command numbers it sends and the server's code chooses close reasons, so every
 * raw value is mapped here and anything unforeseen becomes one catch-all value.
 * A label never holds a user name, an id, an address or a message.
 */

export const UNKNOWN_COMMAND = 'unknown';
export const OTHER = 'other';

function namesOf(table: Readonly<Record<string, number>>): ReadonlyMap<number, string> {
  return new Map(Object.entries(table).map(([name, type]) => [type, name.toLowerCase()]));
}

const COMMAND_NAMES = namesOf(Command);
const PUSH_NAMES = namesOf(ServerMessage);

/** `send_message` for 1003; `unknown` for a number PROTOCOL.md does not define. */
export function commandLabel(command: number): string {
  return COMMAND_NAMES.get(command) ?? UNKNOWN_COMMAND;
}

/** `message_received` for 2001; `unknown` for anything else. */
export function pushLabel(type: number): string {
  return PUSH_NAMES.get(type) ?? UNKNOWN_COMMAND;
}

/** The status codes as strings, made once: `'200'`, `'429'`, ... */
const STATUS_TEXTS: readonly string[] = Array.from({ length: 500 }, (_, i) => String(100 + i));

/** A status code 100-599 as itself; anything else `other`. */
export function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status < 600 ? STATUS_TEXTS[status - 100]! : OTHER;
}

/** Why connections close, as the metrics tell it. */
export const CLOSE_REASONS = [
  'client_closed',
  'idle',
  'login_timeout',
  'output_limit',
  'payload_too_large',
  'malformed_message',
  'banned',
  'server_shutdown',
  'shutdown_deadline',
  'internal_error',
  'socket_error',
  OTHER,
] as const;

export type CloseReasonLabel = (typeof CLOSE_REASONS)[number];

/** The connections' close reasons (see protocol-connection.ts, the channels and LocalConnectionRegistry.disconnectUser). */
const REASONS: ReadonlyMap<string, CloseReasonLabel> = new Map([
  ['closed by client', 'client_closed'],
  ['idle', 'idle'],
  ['login timeout', 'login_timeout'],
  ['output limit', 'output_limit'],
  ['payload too large', 'payload_too_large'],
  ['malformed websocket message', 'malformed_message'],
  ['banned', 'banned'],
  ['server shutdown', 'server_shutdown'],
  ['server shutdown deadline', 'shutdown_deadline'],
  ['internal error', 'internal_error'],
]);

/** `socket error ECONNRESET`, `websocket error ...` and the like name the error code; the code stays out of the label. */
const SOCKET_ERROR = /^(socket|websocket) error/;

export function closeReasonLabel(reason: string): CloseReasonLabel {
  return REASONS.get(reason) ?? (SOCKET_ERROR.test(reason) ? 'socket_error' : OTHER);
}
