/**
 * Frame TYPEs of PROTOCOL.md as the client sees them, extensions included: the
 * server's table under the client's names, plus the reliable-session TYPEs (§8),
 * spelled here so the client does not wait on the server's table to know them.
 */
import { Command, ServerMessage } from '../adapters/tcp/message-types';

export const RequestType = {
  ...Command,
  // Reliable sessions (PROTOCOL §8).
  SESSION_TOKEN: 1021,
  /** Allowed before LOGIN, like LOGIN. */
  RESUME: 1022,
  ENABLE_ACKS: 1023,
  ACK: 1024,
} as const;

export const ServerFrameType = {
  ...ServerMessage,
  // Reliable sessions (PROTOCOL §8): messages with ids, to acknowledge.
  MESSAGE: 2013,
  GROUP_MESSAGE: 2014,
} as const;
