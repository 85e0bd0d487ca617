/** The transports a client can reach the server over. */
export type TransportName = 'tcp' | 'websocket';

/**
 * What the connections of every transport report as they work, for metrics. Each call
 * is made on the hot path: an implementation does a counter increment and nothing
 * that can throw or wait. It never receives a user name, a payload or an address.
 */
export interface ConnectionObserver {
  connectionOpened(transport: TransportName): void;
  /** `reason` is the connection's close reason (`idle`, `output limit`, `banned`, `closed by client`, ...). */
  connectionClosed(transport: TransportName, reason: string): void;
  /**
   * A request was answered: its command type (as sent, known or not), the status of
   * its reply (a 2000 RESPONSE's code; 200 for a data reply such as 2004), and the
   * seconds from taking it off the queue to handing the reply to the transport.
   */
  requestAnswered(command: number, status: number, seconds: number): void;
  /** A push frame (2003, 2006, 2011, ...) was handed to the transport. */
  pushWritten(type: number): void;
  /** Messages handed to their receiver: `live` as a push, `later` in a fetched batch (1014/1018) or a catch-up. */
  messagesDelivered(mode: 'live' | 'later', count: number): void;
}

/** Observes nothing: the default for embedders and tests. */
export const NO_CONNECTION_OBSERVER: ConnectionObserver = Object.freeze({
  connectionOpened() {},
  connectionClosed() {},
  requestAnswered() {},
  pushWritten() {},
  messagesDelivered() {},
});
