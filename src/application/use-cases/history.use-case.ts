import {
  DomainErrors,
  fail,
  lastIdUpTo,
  messageKey,
  ok,
  parseMessageKey,
  type ConversationSummary,
  type DomainError,
  type HistoryMessage,
  type MessageKind,
  type Result,
  type UserId,
  type UserRef,
} from '../../domain';
import { describeError } from '../services/describe-error';
import type { Clock, Delivery, Logger, Repositories } from '../ports';

/** Messages one GET_HISTORY may ask for (PROTOCOL.md §9). */
export const MAX_HISTORY_PAGE = 100;
/** Conversations one GET_CONVERSATIONS answers with; the rest come page by page. */
export const CONVERSATIONS_PAGE = 100;

/** Newest first from the start: the highest store id there can be. */
const NEWEST = Number.MAX_SAFE_INTEGER;

/** A conversation: a direct peer (a user) or a group, by id. */
export interface ConversationRef {
  readonly kind: MessageKind;
  readonly peerId: number;
}

export interface GetHistoryInput extends ConversationRef {
  readonly userId: UserId;
  /** Only messages with client ids below this one; 0 for the newest. */
  readonly beforeMessageKey: number;
  readonly limit: number;
}

/**
 * GET_HISTORY (1025): a page of one conversation, newest first. A group's history
 * is the caller's only while a member, and only since they joined.
 */
export class GetHistory {
  constructor(private readonly repositories: Repositories) {}

  async execute(input: GetHistoryInput): Promise<Result<readonly HistoryMessage[], DomainError>> {
    if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > MAX_HISTORY_PAGE) {
      return fail(DomainErrors.invalidInput(`Limit must be 1 to ${MAX_HISTORY_PAGE}`));
    }
    const upToId = input.beforeMessageKey === 0 ? NEWEST : lastIdUpTo(input.kind, input.beforeMessageKey - 1);
    const { accounts, conversations } = this.repositories;
    if (input.kind === 'direct') {
      if (!(await accounts.findById(input.peerId))) return fail(DomainErrors.userNotFound());
      // Nobody messages themselves (SEND_MESSAGE refuses it): that conversation is empty.
      if (upToId === 0 || input.peerId === input.userId) return ok([]);
      return ok(await conversations.directHistory(input.userId, input.peerId, upToId, input.limit));
    }
    const page = await conversations.groupHistory(input.userId, input.peerId, upToId, input.limit);
    return page ? ok(page) : fail(DomainErrors.groupNotFound());
  }
}

export interface MarkReadInput extends ConversationRef {
  readonly reader: UserRef;
  /** The client id of the newest message to mark read. */
  readonly upToMessageKey: number;
}

/**
 * MARK_READ (1026): everything sent to the reader in the conversation, up to the
 * given message, is read (and delivered). The sender of direct messages that changed
 * gets a read receipt on every connection; nothing changed, nothing is pushed.
 */
export class MarkRead {
  constructor(
    private readonly repositories: Repositories,
    private readonly delivery: Delivery,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Returns how many messages went from unread to read. */
  async execute(input: MarkReadInput): Promise<Result<number, DomainError>> {
    const upToId = lastIdUpTo(input.kind, input.upToMessageKey);
    const { accounts, conversations } = this.repositories;
    if (input.kind === 'group') {
      const mark = await conversations.markGroupRead(input.reader.id, input.peerId, upToId);
      return mark ? ok(mark.changed) : fail(DomainErrors.groupNotFound());
    }
    if (!(await accounts.findById(input.peerId))) return fail(DomainErrors.userNotFound());
    if (upToId === 0 || input.peerId === input.reader.id) return ok(0);
    const mark = await conversations.markDirectRead(input.reader.id, input.peerId, upToId);
    if (mark.changed > 0) {
      this.delivery
        .push(input.peerId, {
          kind: 'messages-read',
          readerId: input.reader.id,
          readerUsername: input.reader.username,
          upToMessageKey: messageKey('direct', mark.upToId),
          readAt: this.clock.now(),
        })
        // The receipt is a courtesy: the read state is stored, and the history shows it.
        .catch((error: unknown) => this.logger.error('read receipt push failed', { error: describeError(error) }));
    }
    return ok(mark.changed);
  }
}

/**
 * GET_CONVERSATIONS (1027): the caller's inbox, newest activity first, a page at a
 * time; the next page starts after the last message id of the previous one.
 */
export class GetConversations {
  constructor(private readonly repositories: Repositories) {}

  execute(input: {
    readonly userId: UserId;
    /** The last message id of the previous page's last conversation; null for the first page. */
    readonly beforeLastMessageKey: number | null;
  }): Promise<readonly ConversationSummary[]> {
    const before = input.beforeLastMessageKey === null ? null : parseMessageKey(input.beforeLastMessageKey);
    if (input.beforeLastMessageKey !== null && before === null) return Promise.resolve([]);
    return this.repositories.conversations.listConversations(input.userId, CONVERSATIONS_PAGE, before);
  }
}
