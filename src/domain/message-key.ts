import type { MessageId } from './ids';

export type MessageKind = 'direct' | 'group';

/** A stored message: which store it is in, and its id there. */
export interface MessageRef {
  readonly kind: MessageKind;
  readonly id: MessageId;
}

/**
 * The message id clients see (PROTOCOL.md §8): unique across direct and group
 * messages, which are numbered apart in storage. Direct message n is 2n, group
 * message n is 2n + 1, so ids stay ascending within a conversation.
 */
export function messageKey(kind: MessageKind, id: MessageId): number {
  return kind === 'direct' ? id * 2 : id * 2 + 1;
}

/** The stored message a client's id names; null for an id no message can have (1). */
export function parseMessageKey(key: number): MessageRef | null {
  const id = Math.floor(key / 2);
  if (id < 1) return null;
  return { kind: key % 2 === 0 ? 'direct' : 'group', id };
}

/**
 * The highest store id of the given kind whose client id is at most `key`
 * (0 when there is none): how a client's id bounds a range of one store.
 */
export function lastIdUpTo(kind: MessageKind, key: number): MessageId {
  return Math.max(0, kind === 'direct' ? Math.floor(key / 2) : Math.floor((key - 1) / 2));
}
