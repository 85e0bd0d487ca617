import type { Group, UserRef } from '../../domain';
import { describeError } from './describe-error';
import type { Delivery, GroupRepository, Logger, MembershipChange } from '../ports';

/**
 * Tells a group's members (the acting admin included) that someone was added,
 * removed or left; the member concerned hears of it too when added or removed.
 */
export class MembershipAnnouncer {
  constructor(
    private readonly groups: GroupRepository,
    private readonly delivery: Delivery,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs after the change is committed: a failure (the members cannot be read) is
   * logged, never turned into an error reply for a change that was made.
   */
  async announce(group: Group, member: UserRef, change: MembershipChange): Promise<void> {
    let members;
    try {
      members = await this.groups.listMembers(group.id);
    } catch (error) {
      this.logger.error('membership announcement failed', { change, error: describeError(error) });
      return;
    }
    const recipients = new Set(members.map((m) => m.userId));
    if (change === 'left') recipients.delete(member.id);
    else recipients.add(member.id);
    const event = {
      kind: 'membership-changed',
      groupId: group.id,
      groupName: group.name,
      userId: member.id,
      username: member.username,
      change,
    } as const;
    for (const userId of recipients) {
      this.delivery
        .push(userId, event)
        .catch((error: unknown) => this.logger.error('membership push failed', { error: describeError(error) }));
    }
  }
}
