import { ChatError, ConnectionClosedError, ProtocolError, RequestTimeoutError } from '../../../src/client/client-errors';
import {
  formatBlockedList,
  formatDirectMessage,
  formatError,
  formatFriendList,
  formatFriendRequest,
  formatFriendRequestAccepted,
  formatFriendRequests,
  formatGroupMessage,
  formatGroups,
  formatHistory,
  formatInbox,
  formatMembers,
  formatMembershipChange,
  formatOfflineMessages,
  formatPresence,
  formatPrivacy,
  formatReadReceipt,
  formatSentGroupMessage,
  formatSentMessage,
  formatStamp,
  formatTime,
  groupLabel,
  sanitize,
} from '../../../src/client/terminal/formatters';
import { NameDirectory } from '../../../src/client/terminal/name-directory';

/** Epoch ms of a local wall-clock time, so the expected HH:MM holds in any time zone. */
const at = (hours: number, minutes: number): number => new Date(2025, 0, 15, hours, minutes, 30).getTime();

describe('terminal formatters', () => {
  it('shows local times as HH:MM', () => {
    expect(formatTime(at(9, 5))).toBe('09:05');
    expect(formatTime(at(23, 59))).toBe('23:59');
    expect(formatTime(at(0, 0))).toBe('00:00');
  });

  it('shows errors in words', () => {
    expect(formatError(new ChatError(404, 'User not found', 1003))).toBe('error 404: User not found');
    expect(formatError(new ChatError(500, '', 1003))).toBe('error 500');
    expect(formatError(new RequestTimeoutError(1009, 30_000))).toBe('error: the server did not answer within 30 s');
    expect(formatError(new ConnectionClosedError())).toBe('error: not connected');
    expect(formatError(new ProtocolError('bad id'))).toBe('error: the server broke the protocol (bad id)');
    expect(formatError(new Error('boom'))).toBe('error: boom');
  });

  it('shows pushes with times and names', () => {
    expect(formatDirectMessage({ senderId: 2, senderUsername: 'bob', content: 'hi | there', timestamp: at(14, 3) })).toBe(
      '[14:03] bob: hi | there',
    );
    expect(
      formatGroupMessage({ groupId: 7, groupName: 'Team', senderId: 2, senderUsername: 'bob', content: 'yo', timestamp: at(14, 4) }),
    ).toBe('[14:04] [Team #7] bob: yo');
    expect(formatFriendRequest({ requestId: 5, senderId: 2, senderUsername: 'bob', timestamp: at(8, 0) })).toBe(
      '[08:00] friend request #5 from bob: /accept 5 or /reject 5',
    );
    expect(formatPresence({ userId: 2, username: 'bob', status: 'online' }, at(10, 10))).toBe('[10:10] bob is online');
    expect(formatFriendRequestAccepted({ requestId: 5, userId: 2, username: 'bob', timestamp: at(10, 11) })).toBe(
      '[10:11] bob accepted your friend request',
    );
  });

  it('words membership changes from the reader’s point of view', () => {
    const change = { groupId: 7, groupName: 'Team', userId: 2, username: 'bob' };
    expect(formatMembershipChange({ ...change, event: 'added' }, 1, at(9, 0))).toBe('[09:00] [Team #7] bob joined');
    expect(formatMembershipChange({ ...change, event: 'removed' }, 1, at(9, 0))).toBe('[09:00] [Team #7] bob was removed');
    expect(formatMembershipChange({ ...change, event: 'left' }, 1, at(9, 0))).toBe('[09:00] [Team #7] bob left');
    expect(formatMembershipChange({ ...change, event: 'added' }, 2, at(9, 0))).toBe('[09:00] you were added to [Team #7]');
    expect(formatMembershipChange({ ...change, event: 'removed' }, 2, at(9, 0))).toBe('[09:00] you were removed from [Team #7]');
  });

  it('echoes what you sent', () => {
    expect(formatSentMessage('bob', 'hello', at(12, 30))).toBe('[12:30] you → bob: hello');
    expect(formatSentGroupMessage(groupLabel(7, undefined), 'hello', at(12, 31))).toBe('[12:31] [#7] you: hello');
  });

  it('lists friends, requests, groups and members', () => {
    expect(formatFriendList([])).toBe('no friends yet (/add NAME sends a friend request)');
    expect(
      formatFriendList([
        { id: 2, username: 'bob', status: 'online' },
        { id: 3, username: 'carol', status: 'offline' },
      ]),
    ).toBe('friends (2):\n  bob #2 online\n  carol #3 offline');
    expect(formatFriendRequests([])).toBe('no pending friend requests');
    expect(formatFriendRequests([{ requestId: 5, senderId: 2, senderUsername: 'bob', timestamp: at(8, 1) }])).toBe(
      'pending friend requests (1):\n  #5 from bob at 08:01: /accept 5 or /reject 5',
    );
    expect(formatGroups([])).toBe('you are in no groups (/create NAME makes one)');
    expect(
      formatGroups([
        { groupId: 7, name: 'Team', role: 'admin', memberCount: 3 },
        { groupId: 9, name: 'solo', role: 'member', memberCount: 1 },
      ]),
    ).toBe('groups (2):\n  [Team #7] admin, 3 members\n  [solo #9] member, 1 member');
    expect(formatMembers('[Team #7]', [{ id: 1, username: 'alice', role: 'admin', status: 'online' }])).toBe(
      'members of [Team #7] (1):\n  alice #1 admin online',
    );
  });

  it('merges offline direct and group messages oldest first', () => {
    expect(formatOfflineMessages([], [])).toBe('no offline messages');
    const text = formatOfflineMessages(
      [
        { senderId: 2, senderUsername: 'bob', content: 'first', timestamp: at(9, 0) },
        { senderId: 2, senderUsername: 'bob', content: 'third', timestamp: at(9, 2) },
      ],
      [{ groupId: 7, groupName: 'Team', senderId: 3, senderUsername: 'carol', content: 'second', timestamp: at(9, 1) }],
    );
    expect(text).toBe(
      'while you were away (3):\n  [09:00] bob: first\n  [09:01] [Team #7] carol: second\n  [09:02] bob: third',
    );
  });

  it('neutralises control characters in text from others, keeping newlines and tabs', () => {
    expect(sanitize('red \u001b[31m bell \u0007 tab\tline\nend \u009b')).toBe('red \ufffd[31m bell \ufffd tab\tline\nend \ufffd');
    expect(formatDirectMessage({ senderId: 2, senderUsername: 'bob', content: '\u001b[2J', timestamp: at(1, 1) })).toBe(
      '[01:01] bob: \ufffd[2J',
    );
  });
});

describe('NameDirectory', () => {
  it('finds ids by name ignoring case, and names by id', () => {
    const names = new NameDirectory();
    names.rememberUser(2, 'Bob');
    expect(names.idOf('bob')).toBe(2);
    expect(names.idOf('BOB')).toBe(2);
    expect(names.nameOf(2)).toBe('Bob');
    expect(names.userLabel(2)).toBe('Bob');
    expect(names.userLabel(3)).toBe('#3');
    expect(names.idOf('carol')).toBeUndefined();
    names.rememberGroup(7, 'Team');
    expect(names.groupName(7)).toBe('Team');
    names.rememberRequest(5, 'Bob');
    expect(names.requestSender(5)).toBe('Bob');
  });

  describe('history, the inbox and read receipts (§9)', () => {
    const now = at(18, 0);
    const message = (messageId: number, senderId: number, senderUsername: string, content: string, minute: number, read: boolean) => ({
      messageId,
      senderId,
      senderUsername,
      content,
      timestamp: at(14, minute),
      read,
    });

    it('shows a time of today as HH:MM and of another day with its date', () => {
      expect(formatStamp(at(9, 5), now)).toBe('09:05');
      expect(formatStamp(new Date(2024, 11, 31, 23, 59).getTime(), now)).toBe('2024-12-31 23:59');
    });

    it('prints a direct history oldest first, your messages as "you", a ✓ on those the other has read', () => {
      const newestFirst = [
        message(8, 1, 'alice', 'not seen yet', 4, false),
        message(6, 1, 'alice', 'seen | this', 3, true),
        message(4, 2, 'bob', 'hi\u001b[2J', 2, false),
      ];
      expect(formatHistory({ kind: 'direct', label: 'bob' }, newestFirst, 1, now)).toBe(
        [
          'last 3 messages with bob (✓ read by bob):',
          '  [14:02] bob: hi\ufffd[2J',
          '  [14:03] you: seen | this ✓',
          '  [14:04] you: not seen yet',
        ].join('\n'),
      );
      expect(formatHistory({ kind: 'direct', label: 'bob' }, [], 1, now)).toBe('no messages with bob yet');
    });

    it('prints a group history without ticks: read there is your own state', () => {
      const newestFirst = [message(9, 1, 'alice', 'mine', 5, true), message(7, 3, 'carol', 'hello', 1, false)];
      expect(formatHistory({ kind: 'group', label: '[Team #4]' }, newestFirst, 1, now)).toBe(
        ['last 2 messages in [Team #4]:', '  [14:01] carol: hello', '  [14:05] you: mine'].join('\n'),
      );
      expect(formatHistory({ kind: 'group', label: '[Team #4]' }, [message(7, 3, 'carol', 'x', 1, true)], 1, now)).toBe(
        ['last message in [Team #4]:', '  [14:01] carol: x'].join('\n'),
      );
      expect(formatHistory({ kind: 'group', label: '[Team #4]' }, [], 1, now)).toBe('no messages in [Team #4] since you joined');
    });

    it('prints the inbox latest first with unread counts and the total', () => {
      const conversations = [
        { kind: 'direct' as const, peerId: 2, name: 'bob', lastMessageId: 12, lastTimestamp: at(14, 5), unreadCount: 3 },
        { kind: 'group' as const, peerId: 4, name: 'Team', lastMessageId: 11, lastTimestamp: at(14, 3), unreadCount: 1 },
        { kind: 'direct' as const, peerId: 3, name: 'carol', lastMessageId: 6, lastTimestamp: at(13, 50), unreadCount: 0 },
      ];
      expect(formatInbox(conversations, false, now)).toBe(
        ['inbox (3 conversations, 4 unread):', '  [14:05] bob: 3 unread', '  [14:03] [Team #4]: 1 unread', '  [13:50] carol'].join('\n'),
      );
      expect(formatInbox(conversations.slice(2), true, now)).toBe(['inbox (1 latest conversation, 0 unread):', '  [13:50] carol'].join('\n'));
      expect(formatInbox([], false, now)).toBe('no conversations yet');
    });

    it('prints a read receipt as one line', () => {
      expect(formatReadReceipt({ readerId: 2, readerUsername: 'bob', upToMessageId: 8, timestamp: at(14, 6) })).toBe(
        '[14:06] bob read your messages',
      );
    });
  });

  describe('blocking and privacy (§10)', () => {
    it('lists the users you blocked by name and id, or says there are none', () => {
      expect(
        formatBlockedList([
          { userId: 7, username: 'mallory' },
          { userId: 3, username: 'troll' },
        ]),
      ).toBe(['blocked (2):', '  mallory #7', '  troll #3'].join('\n'));
      expect(formatBlockedList([])).toBe('you have blocked no one');
    });

    it('says what a privacy setting means', () => {
      expect(formatPrivacy('friends')).toBe('privacy: only your friends can message you now');
      expect(formatPrivacy('everyone')).toBe('privacy: anyone can message you now');
    });
  });
});
