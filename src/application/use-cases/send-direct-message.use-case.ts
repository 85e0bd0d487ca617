import {
  DomainErrors,
  MessageContent,
  fail,
  ok,
  type DomainError,
  type MessageId,
  type Result,
  type UserId,
  type UserRef,
} from '../../domain';
import { describeError } from '../services/describe-error';
import type { Clock, Delivery, Logger, Repositories } from '../ports';
import type { PendingDeliveries } from '../services/pending-deliveries';

export interface SendDirectMessageInput {
  readonly sender: UserRef;
  readonly receiverId: UserId;
  readonly content: string;
}

export interface SendDirectMessageOutput {
  readonly messageId: MessageId;
  /** Settles once the push has reached a connection of the receiver (true) or none (false). */
  readonly delivered: Promise<boolean>;
}

/**
 * Stores the message undelivered (the reply waits for that), unless a block or the
 * receiver's privacy forbids it, then pushes it to the receiver's connections; it is
 * marked delivered once a push has left the server.
 */
export class SendDirectMessage {
  constructor(
    private readonly repositories: Repositories,
    private readonly delivery: Delivery,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly pending: PendingDeliveries,
  ) {}

  async execute(input: SendDirectMessageInput): Promise<Result<SendDirectMessageOutput, DomainError>> {
    const content = MessageContent.create(input.content);
    if (!content.ok) return content;
    if (input.receiverId === input.sender.id) return fail(DomainErrors.invalidInput('Cannot message yourself'));
    const { messages } = this.repositories;
    // One statement checks the receiver, blocks and privacy (PROTOCOL.md §10) and stores the message.
    const message = await messages.saveDirect({
      senderId: input.sender.id,
      receiverId: input.receiverId,
      content: content.value.value,
      sentAt: this.clock.now(),
    });
    if (message === 'receiver-not-found') return fail(DomainErrors.userNotFound());
    // A block either way and the receiver's privacy get the same answer: the sender cannot tell which.
    if (message === 'not-allowed') return fail(DomainErrors.cannotMessage());
    const delivered = this.delivery
      .push(message.receiverId, {
        kind: 'direct-message',
        messageId: message.id,
        senderId: input.sender.id,
        senderUsername: input.sender.username,
        content: message.content,
        sentAt: message.sentAt,
      })
      .then(async (reached) => {
        if (reached) await messages.markDirectDelivered([message.id]);
        return reached;
      })
      .catch((error: unknown) => {
        // Left undelivered: the receiver gets it through GET_OFFLINE_MESSAGES.
        this.logger.error('marking a message delivered failed', { error: describeError(error) });
        return false;
      });
    this.pending.track([message.receiverId], delivered);
    return ok({ messageId: message.id, delivered });
  }
}
