/** The messages between the orchestrator (bench/workers.ts, for the workload files) and its load workers (bench/load-worker.ts). */
import type { HistogramData } from './histogram';

export interface Target {
  readonly host: string;
  /** The protocol over TCP. */
  readonly port: number;
  /** The HTTP listener, whose /ws speaks the protocol over WebSocket; absent for the relay. */
  readonly httpPort?: number;
}

/** What a workload's load connections run over. */
export type Transport = 'tcp' | 'websocket';

/** Running totals of one worker, since its last `collect`. */
export interface Counters {
  /** Requests sent by the workload's senders (SEND_MESSAGE / SEND_GROUP_MESSAGE). */
  sent: number;
  /** Of those, acknowledged with 200. */
  acked: number;
  /** Of those, answered with an error or lost with the connection. */
  failed: number;
  /** Pushes (2001 / 2002) received by the workload's receivers. */
  received: number;
  /** Of those, received inside the measured window [startUs, endUs). */
  receivedInWindow: number;
  /** Acks inside the measured window. */
  ackedInWindow: number;
  /** dm-acks: messages the server counted as newly delivered in its ACK replies (`200|n`). */
  confirmed: number;
  /** Generic progress of setup phases (registrations, connections, logins). */
  done: number;
  /** Connections that closed without being asked to. */
  unexpectedCloses: number;
  /** The first error text seen, if any. */
  firstError: string | null;
}

export interface Collected {
  readonly counters: Counters;
  /** Send (by the sender) → receipt (by the receiver), µs. */
  readonly latency: HistogramData;
  /** Send → acknowledgement, at the sender, µs. */
  readonly ack: HistogramData;
}

export interface PhaseTiming {
  readonly startUs: number;
  readonly endUs: number;
  readonly count: number;
}

/** The steady probe of the login storm: PING every few ms, and a fresh RESUME now and then. */
export interface ProbeResult {
  readonly ping: HistogramData;
  readonly resume: HistogramData;
  readonly failed: number;
  readonly firstError: string | null;
}

export interface OfflineFetch extends PhaseTiming {
  readonly batches: number;
  /** Every message arrived once, in the order it was sent. */
  readonly inOrder: boolean;
  readonly largestBatch: number;
}

/** Requests from the orchestrator; each gets one WorkerReply with the same id. */
export type WorkerRequest =
  | { op: 'init'; target: Target; password: string; requestTimeoutMs: number }
  /** `receivers`: where the dm receivers connect, when not to `target` (senders on one node, receivers on another). */
  | { op: 'setTarget'; target: Target; receivers?: Target }
  /**
   * Registers and logs in the pairs' senders and receivers (names: [sender, receiver] per pair).
   * With `acks`, receivers send ENABLE_ACKS and acknowledge the 2013 frames in batches of
   * `ackBatch` ids or after `ackDelayMs`, whichever comes first. With `blocked`, each
   * sender and receiver become friends, and the receiver sets privacy `friends` and
   * blocks these users (PROTOCOL §10). With `transport` 'websocket' every sender and
   * receiver is a WebSocket (neither acks nor blocks then).
   */
  | {
      op: 'dm.setup';
      pairs: [string, string][];
      acks: boolean;
      ackBatch: number;
      ackDelayMs: number;
      blocked?: number[];
      transport?: Transport;
    }
  /** Registers users over a few pipelined connections; answers their ids, in order. */
  | { op: 'register'; names: string[]; concurrency: number }
  /** Logs the admin in, creates the group and adds the members (by id); answers the group id. */
  | { op: 'fanout.group'; admin: string; memberIds: number[] }
  /** Logs members in on their own connections; `senders` of them will send to the group. */
  | { op: 'fanout.login'; names: string[]; senders: string[]; groupId: number; concurrency: number }
  /**
   * Sends from the prepared senders from startUs until endUs, keeping `window` requests in flight each;
   * with `rate` > 0, this worker's senders together send no more than `rate` messages a second.
   */
  | { op: 'run'; startUs: number; endUs: number; window: number; size: number; rate: number }
  | { op: 'counters' }
  /** Answers Collected and starts the counters and histograms afresh. */
  | { op: 'collect' }
  /** Opens one connection per name (not logged in yet), from the given local addresses. */
  | { op: 'idle.connect'; names: string[]; localAddresses: string[]; concurrency: number; transport?: Transport }
  /** Logs every opened idle connection in, `concurrency` at a time; answers the phase timing. */
  | { op: 'idle.login'; concurrency: number; startUs: number }
  /** Sends `count` messages from `sender` to the (offline) `receiver`, `window` in flight. */
  | { op: 'offline.store'; sender: string; receiver: string; count: number; window: number; size: number }
  /** Logs the receiver in and calls GET_OFFLINE_MESSAGES until it answers 0. */
  | { op: 'offline.fetch'; receiver: string; expected: number }
  /**
   * Resume: connects one connection per name from its local address, LOGINs with the
   * password and keeps the session token of SESSION_TOKEN (1021); `concurrency` at a time.
   */
  | { op: 'resume.prepare'; names: string[]; localAddresses: string[]; concurrency: number }
  /** Drops every prepared connection at once with a TCP reset. */
  | { op: 'resume.drop' }
  /**
   * From startUs, reconnects every prepared user from its address and RESUMEs (1022),
   * `concurrency` in flight (0: all at once); answers the phase timing.
   */
  | { op: 'resume.storm'; startUs: number; concurrency: number }
  /** LOGINs once and answers a session token (1021) of the user. */
  | { op: 'token'; name: string }
  /** Opens `count` connections for the login storm (not logged in yet). */
  | { op: 'storm.open'; count: number }
  /** From startUs, LOGINs on every opened storm connection at once, as the names in turn. */
  | { op: 'storm.login'; names: string[]; startUs: number }
  /**
   * Starts the probe: PING every `pingMs` on one connection, and every `resumeMs` a fresh
   * connection that RESUMEs as `name` with `token` and is dropped.
   */
  | { op: 'probe.start'; pingMs: number; resumeMs: number; name: string; token: string }
  /** Stops the probe; answers its ProbeResult. */
  | { op: 'probe.stop' }
  /** Closes every connection of the worker and forgets the workload. */
  | { op: 'closeAll' };

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };

export type WorkerMessage = { id: number; request: WorkerRequest };

export function emptyCounters(): Counters {
  return {
    sent: 0,
    acked: 0,
    failed: 0,
    received: 0,
    receivedInWindow: 0,
    ackedInWindow: 0,
    confirmed: 0,
    done: 0,
    unexpectedCloses: 0,
    firstError: null,
  };
}

export function addCounters(into: Counters, from: Counters): Counters {
  into.sent += from.sent;
  into.acked += from.acked;
  into.failed += from.failed;
  into.received += from.received;
  into.receivedInWindow += from.receivedInWindow;
  into.ackedInWindow += from.ackedInWindow;
  into.confirmed += from.confirmed;
  into.done += from.done;
  into.unexpectedCloses += from.unexpectedCloses;
  into.firstError ??= from.firstError;
  return into;
}
