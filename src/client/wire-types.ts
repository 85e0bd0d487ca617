/**
 * Frame TYPEs of PROTOCOL.md as the client sees them, extensions (§6) included:
 * the same table the server uses, under the client's names.
 */
import { Command, ServerMessage } from '../adapters/tcp/message-types';

export const RequestType = Command;
export const ServerFrameType = ServerMessage;

