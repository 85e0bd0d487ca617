import {
  DomainErrors,
  MessageContent,
  fail,
  ok,
  type DomainError,
  type GroupId,
  type MessageId,
  type Result,
  type UserRef,
} from '../../domain';
import { describeError } from '../services/describe-error';
import type { Clock, Delivery, Logger, Repositories } from '../ports';
import type { PendingDeliveries } from '../services/pending-deliveries';

export interface SendGroupMessageInput {
  readonly sender: UserRef;
  readonly groupId: GroupId;
  readonly content: string;
}

export interface SendGroupMessageOutput {
  readonly messageId: MessageId;
  /** Settles when every recipient's push has settled: how many recipients it reached. */
  readonly delivered: Promise<number>;
}

/** Stores the message undelivered for every other member, then pushes it to those online. */
export class SendGroupMessage {
  constructor(
    private readonly repositories: Repositories,
    private readonly delivery: Delivery,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly pending: PendingDeliveries,
  ) {}

  async execute(input: SendGroupMessageInput): Promise<Result<SendGroupMessageOutput, DomainError>> {
    const content = MessageContent.create(input.content);
    if (!content.ok) return content;
    const { groups, messages } = this.repositories;
    const group = await groups.findById(input.groupId);
    if (!group) return fail(DomainErrors.groupNotFound());
    const members = await groups.listMembers(group.id);
    if (!members.some((m) => m.userId === input.sender.id)) return fail(DomainErrors.notAMember());

    const recipients = members.filter((m) => m.userId !== input.sender.id).map((m) => m.userId);
    const message = await messages.saveGroup(
      { groupId: group.id, senderId: input.sender.id, content: content.value.value, sentAt: this.clock.now() },
      recipients,
    );
    const event = {
      kind: 'group-message',
      messageId: message.id,
      groupId: group.id,
      groupName: group.name,
      senderId: input.sender.id,
      senderUsername: input.sender.username,
      content: message.content,
      sentAt: message.sentAt,
    } as const;
    // Marked in one statement once every push has settled: a group message costs one
    // write for its recipients, not one each. (A crash before that leaves them
    // undelivered: they get it again through 1018 rather than lose it.)
    const pushes = recipients.map((recipientId) => this.delivery.push(recipientId, event).catch(() => false));
    const delivered = Promise.all(pushes)
      .then(async (reached) => {
        const reachedIds = recipients.filter((_, i) => reached[i]);
        await messages.markGroupDelivered(message.id, reachedIds);
        return reachedIds.length;
      })
      .catch((error: unknown) => {
        this.logger.error('marking a group message delivered failed', { error: describeError(error) });
        return 0;
      });
    this.pending.track(recipients, delivered);
    return ok({ messageId: message.id, delivered });
  }
}
