import { parseMessageKey, type MessageId, type UserId } from '../../domain';
import type { PushEvent, Repositories } from '../ports';

/** A message push: what an acknowledging connection is sent and acknowledges. */
export type MessageEvent = Extract<PushEvent, { readonly kind: 'direct-message' | 'group-message' }>;

/** ACK (1024): the client has these messages; each still undelivered to it becomes delivered. */
export class AcknowledgeMessages {
  constructor(private readonly repositories: Repositories) {}

  /** Returns how many of the ids were undelivered messages to the user and are now delivered. */
  execute(input: { readonly userId: UserId; readonly messageKeys: readonly number[] }): Promise<number> {
    const direct: MessageId[] = [];
    const group: MessageId[] = [];
    for (const key of new Set(input.messageKeys)) {
      const ref = parseMessageKey(key);
      if (ref?.kind === 'direct') direct.push(ref.id);
      else if (ref?.kind === 'group') group.push(ref.id);
    }
    return this.repositories.messages.acknowledge(input.userId, direct, group);
  }
}

/** Where a connection's catch-up has got to: the last id handed out of each store. */
export interface UndeliveredCursor {
  readonly direct: MessageId;
  readonly group: MessageId;
}

/**
 * The user's undelivered messages after a cursor, direct and group (by §3 and §6
 * rules) merged oldest first: what ENABLE_ACKS pushes, and what flow control
 * pushes as acknowledgements free room.
 */
export class ListUndeliveredMessages {
  constructor(private readonly repositories: Repositories) {}

  async execute(input: {
    readonly userId: UserId;
    readonly after: UndeliveredCursor;
    readonly limit: number;
  }): Promise<MessageEvent[]> {
    const { messages } = this.repositories;
    const [direct, group] = await Promise.all([
      messages.listUndeliveredDirect(input.userId, input.limit, input.after.direct),
      messages.listUndeliveredGroup(input.userId, input.limit, input.after.group),
    ]);
    // Each list is in id order; merging by time keeps that order within each.
    const merged: MessageEvent[] = [];
    let d = 0;
    let g = 0;
    while (merged.length < input.limit && (d < direct.length || g < group.length)) {
      const m = direct[d];
      const n = group[g];
      if (m !== undefined && (n === undefined || m.sentAt <= n.sentAt)) {
        merged.push({
          kind: 'direct-message',
          messageId: m.id,
          senderId: m.senderId,
          senderUsername: m.senderUsername,
          content: m.content,
          sentAt: m.sentAt,
        });
        d++;
      } else if (n !== undefined) {
        merged.push({
          kind: 'group-message',
          messageId: n.id,
          groupId: n.groupId,
          groupName: n.groupName,
          senderId: n.senderId,
          senderUsername: n.senderUsername,
          content: n.content,
          sentAt: n.sentAt,
        });
        g++;
      }
    }
    return merged;
  }
}
