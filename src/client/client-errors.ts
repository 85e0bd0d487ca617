/**
 * What a ChatClient request can reject with:
 * - ChatError: the server answered with a non-2xx status;
 * - ConnectionClosedError: the connection closed (or was never open) before the reply;
 * - RequestTimeoutError: no reply within the request timeout (the connection is then closed);
 * - ProtocolError: the server sent something the protocol does not allow.
 */

/** The server answered with an error status (`2000 CODE|text`). Act on `status`; `text` is for people. */
export class ChatError extends Error {
  override readonly name = 'ChatError';

  constructor(
    /** The status code: 400, 401, 403, 404, 409, 429, 500. */
    readonly status: number,
    /** The reason after the code, unescaped (`User not found`). */
    readonly text: string,
    /** The TYPE of the request it answers. */
    readonly command: number,
  ) {
    super(text === '' ? `error ${status}` : `error ${status}: ${text}`);
  }

  /** `400|Unknown command`: the server does not implement this command (e.g. an extension). */
  get isUnknownCommand(): boolean {
    return this.status === 400 && this.text === 'Unknown command';
  }
}

/** The connection closed before the reply came, or a request was made after it closed. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';

  constructor(message = 'connection closed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * No reply within the timeout. Replies are matched to requests by order, so a late
 * reply would be taken for the next request's: the client closes the connection, and
 * every other pending request rejects with a ConnectionClosedError caused by this one.
 */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';

  constructor(
    /** The TYPE of the request that got no reply; null when connecting timed out. */
    readonly command: number | null,
    readonly timeoutMs: number,
  ) {
    super(command === null ? `could not connect within ${timeoutMs} ms` : `no reply to request ${command} within ${timeoutMs} ms`);
  }
}

/** The server broke the protocol: a malformed reply, a reply of the wrong TYPE, an oversize frame. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}
