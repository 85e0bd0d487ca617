import { ALL_MESSAGES } from '../chat-client';
import { ChatError } from '../client-errors';
import type { ConversationKind } from '../results';

/** MARK_READ as the ChatClient sends it. */
export type MarkRead = (kind: ConversationKind, peerId: number, upToMessageId: number) => Promise<number>;

interface InFlight {
  /** What the MARK_READ on its way covers. */
  readonly upTo: number;
  /** A mark that came meanwhile, sent once this one is answered; null when none. */
  next: number | null;
}

/**
 * Marks conversations read as the terminal shows their messages (PROTOCOL §9), best
 * effort: at most one MARK_READ per conversation is on its way; marks that come
 * meanwhile fold into one sent after it, so a burst of messages costs two requests,
 * not one each. A server without MARK_READ (`400 Unknown command`) is asked once.
 * Other failures (the connection going away, a group just left) are dropped: the
 * messages stay unread and the next mark covers them.
 */
export class ReadMarker {
  private readonly inFlight = new Map<string, InFlight>();
  private unsupported = false;

  constructor(private readonly markRead: MarkRead) {}

  /** Marks read up to `upToMessageId`, or `ALL_MESSAGES` for a message shown without an id. */
  mark(kind: ConversationKind, peerId: number, upToMessageId: number): void {
    if (this.unsupported) return;
    const key = `${kind}:${peerId}`;
    const pending = this.inFlight.get(key);
    if (pending === undefined) {
      this.send(key, kind, peerId, upToMessageId);
      return;
    }
    // A message shown without an id may have been stored after the mark on its way was handled: mark again.
    if (upToMessageId === ALL_MESSAGES || upToMessageId > pending.upTo) {
      pending.next = Math.max(pending.next ?? 0, upToMessageId);
    }
  }

  private send(key: string, kind: ConversationKind, peerId: number, upTo: number): void {
    const state: InFlight = { upTo, next: null };
    this.inFlight.set(key, state);
    const settled = (): void => {
      this.inFlight.delete(key);
      if (state.next !== null && !this.unsupported) this.send(key, kind, peerId, state.next);
    };
    this.markRead(kind, peerId, upTo).then(settled, (error: unknown) => {
      if (error instanceof ChatError && error.isUnknownCommand) this.unsupported = true;
      settled();
    });
  }
}
