/** The options of reliable mode (PROTOCOL §8) and the pure rules it follows. */

/** What reliable mode keeps to resume a session: whose it is, the token, and when it expires (epoch ms). */
export interface SavedSession {
  readonly username: string;
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * Reliable mode (PROTOCOL §8), off unless given. After every successful `login` (and
 * `resume`) the client fetches a session token and hands it to `saveToken`, then
 * enables acks. Messages then carry ids: each is emitted once (duplicates dropped by
 * id) and acknowledged after its event was emitted, in batches. When the connection
 * of a logged-in session is lost (not closed by you), the client reconnects by itself
 * with exponential backoff and jitter, RESUMEs with the token from `loadToken`, and
 * enables acks again, which brings what was missed. Requests pending when the
 * connection dropped reject with a ConnectionClosedError; nothing is resent silently.
 * Before login, and after `logout`, a lost connection closes the client as without
 * reliable mode.
 */
export interface ReliableOptions {
  /**
   * The session to resume after a lost connection (and for `resumeSaved()`), or null
   * when there is none. Called before every RESUME, so a store shared with other
   * processes is read fresh.
   */
  loadToken(): Promise<SavedSession | null>;
  /**
   * Keeps a new session token (a secret: it logs in without the password), or forgets
   * it (`null`): after `logout`, and when the server refuses it (401/403). A failure
   * makes `login` reject.
   */
  saveToken(session: SavedSession | null): Promise<void>;
  /** Acknowledge once this many messages wait (default 50; 1–1000). */
  readonly ackBatchSize?: number;
  /** …or this long after the first of them arrived, in ms (default 100). */
  readonly ackDelayMs?: number;
  /** How many recent message ids are remembered to drop duplicates (default 10,000). */
  readonly rememberedMessageIds?: number;
  /** The delay before the first reconnect attempt, in ms (default 100); it doubles per failed attempt… */
  readonly reconnectDelayMs?: number;
  /** …up to this, in ms (default 10,000). */
  readonly maxReconnectDelayMs?: number;
  /** Source of the jitter, in [0, 1) (default Math.random). */
  readonly random?: () => number;
}

/** ReliableOptions with every default filled in and checked. */
export interface ReliableSettings {
  readonly loadToken: () => Promise<SavedSession | null>;
  readonly saveToken: (session: SavedSession | null) => Promise<void>;
  readonly ackBatchSize: number;
  readonly ackDelayMs: number;
  readonly rememberedMessageIds: number;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly random: () => number;
}

/** ACK takes at most 1000 ids (PROTOCOL §8). */
export const MAX_ACK_IDS = 1000;

/**
 * A saved token this close to expiring is replaced after a RESUME. Otherwise it is
 * kept: fetching one at every reconnect would fill the user's 20 live tokens and
 * evict the ones of their other devices.
 */
export const TOKEN_REFRESH_MARGIN_MS = 24 * 60 * 60 * 1000;

export function reliableSettings(options: ReliableOptions): ReliableSettings {
  const settings: ReliableSettings = {
    loadToken: () => options.loadToken(),
    saveToken: (session) => options.saveToken(session),
    ackBatchSize: options.ackBatchSize ?? 50,
    ackDelayMs: options.ackDelayMs ?? 100,
    rememberedMessageIds: options.rememberedMessageIds ?? 10_000,
    reconnectDelayMs: options.reconnectDelayMs ?? 100,
    maxReconnectDelayMs: options.maxReconnectDelayMs ?? 10_000,
    random: options.random ?? Math.random,
  };
  const { ackBatchSize, rememberedMessageIds } = settings;
  if (!Number.isInteger(ackBatchSize) || ackBatchSize < 1 || ackBatchSize > MAX_ACK_IDS) {
    throw new RangeError(`ackBatchSize must be an integer from 1 to ${MAX_ACK_IDS}, got ${ackBatchSize}`);
  }
  if (!Number.isInteger(rememberedMessageIds) || rememberedMessageIds < 1) {
    throw new RangeError(`rememberedMessageIds must be a positive integer, got ${rememberedMessageIds}`);
  }
  for (const name of ['ackDelayMs', 'reconnectDelayMs', 'maxReconnectDelayMs'] as const) {
    const value = settings[name];
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number of ms, got ${value}`);
  }
  return settings;
}

/**
 * The wait before reconnect attempt `attempt` (1, 2, …): `reconnectDelayMs` doubled per
 * earlier attempt, capped at `maxReconnectDelayMs`, then "equal jitter" (between half
 * and all of it) so that many clients dropped at once do not come back in step.
 */
export function reconnectDelay(attempt: number, settings: ReliableSettings): number {
  const exponential = settings.reconnectDelayMs * 2 ** Math.min(attempt - 1, 52);
  const capped = Math.min(exponential, settings.maxReconnectDelayMs);
  return Math.round(capped / 2 + (capped / 2) * settings.random());
}

/** Whether a saved token should be replaced after resuming with it. */
export function needsFreshToken(saved: SavedSession | null, now: number): boolean {
  return saved === null || saved.expiresAt - now < TOKEN_REFRESH_MARGIN_MS;
}
