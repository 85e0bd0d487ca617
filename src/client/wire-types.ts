/** Frame TYPEs of PROTOCOL.md as the client sees them, extensions and reliable sessions (§8) included. */
import { Command, ServerMessage } from '../adapters/protocol/message-types';

export const RequestType = Command;
export const ServerFrameType = ServerMessage;
