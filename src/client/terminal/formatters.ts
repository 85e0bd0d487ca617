/** How the terminal client shows things: pure functions from values to lines of text. */
import { ChatError, ConnectionClosedError, ProtocolError, RequestTimeoutError } from '../client-errors';
import type { DirectMessage, FriendRequest, FriendRequestAccepted, GroupMessage, MembershipChange, PresenceUpdate, ReadReceipt } from '../events';
import type { BlockedUser, ConversationKind, ConversationSummary, Friend, GroupMember, GroupSummary, HistoryMessage, Privacy } from '../results';

/** Local wall-clock time of an epoch-ms timestamp, `HH:MM`. */
export function formatTime(timestamp: number): string {
  const date = new Date(timestamp);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** `HH:MM` for a time of the same local day as `now`, `YYYY-MM-DD HH:MM` for any other. */
export function formatStamp(timestamp: number, now: number): string {
  const date = new Date(timestamp);
  const today = new Date(now);
  if (date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate()) {
    return formatTime(timestamp);
  }
  const day = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
  return `${day} ${formatTime(timestamp)}`;
}

/**
 * Text from other people, made safe to print: control characters (which could move
 * the cursor or recolour the terminal) become U+FFFD; newlines and tabs stay.
 */
export function sanitize(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
}

/** A group as shown everywhere: `[name #id]`, or `[#id]` when the name is unknown. */
export function groupLabel(groupId: number, name: string | undefined): string {
  return name === undefined ? `[#${groupId}]` : `[${sanitize(name)} #${groupId}]`;
}

/** An error in words: `error 404: User not found`. */
export function formatError(error: unknown): string {
  if (error instanceof ChatError) return error.text === '' ? `error ${error.status}` : `error ${error.status}: ${error.text}`;
  if (error instanceof RequestTimeoutError) return `error: the server did not answer within ${error.timeoutMs / 1000} s`;
  if (error instanceof ConnectionClosedError) return 'error: not connected';
  if (error instanceof ProtocolError) return `error: the server broke the protocol (${error.message})`;
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}

export function formatDirectMessage(m: DirectMessage): string {
  return `[${formatTime(m.timestamp)}] ${m.senderUsername}: ${sanitize(m.content)}`;
}

export function formatGroupMessage(m: GroupMessage): string {
  return `[${formatTime(m.timestamp)}] ${groupLabel(m.groupId, m.groupName)} ${m.senderUsername}: ${sanitize(m.content)}`;
}

/** What you sent, echoed once the server took it. */
export function formatSentMessage(to: string, content: string, now: number): string {
  return `[${formatTime(now)}] you → ${to}: ${sanitize(content)}`;
}

export function formatSentGroupMessage(group: string, content: string, now: number): string {
  return `[${formatTime(now)}] ${group} you: ${sanitize(content)}`;
}

export function formatFriendRequest(r: FriendRequest): string {
  return `[${formatTime(r.timestamp)}] friend request #${r.requestId} from ${r.senderUsername}: /accept ${r.requestId} or /reject ${r.requestId}`;
}

export function formatPresence(u: PresenceUpdate, now: number): string {
  return `[${formatTime(now)}] ${u.username} is ${u.status}`;
}

export function formatFriendRequestAccepted(a: FriendRequestAccepted): string {
  return `[${formatTime(a.timestamp)}] ${a.username} accepted your friend request`;
}

export function formatMembershipChange(c: MembershipChange, myUserId: number | null, now: number): string {
  const group = groupLabel(c.groupId, c.groupName);
  const you = c.userId === myUserId;
  let what: string;
  switch (c.event) {
    case 'added':
      what = you ? `you were added to ${group}` : `${group} ${c.username} joined`;
      break;
    case 'removed':
      what = you ? `you were removed from ${group}` : `${group} ${c.username} was removed`;
      break;
    case 'left':
      what = you ? `you left ${group}` : `${group} ${c.username} left`;
      break;
  }
  return `[${formatTime(now)}] ${what}`;
}

export function formatFriendList(friends: readonly Friend[]): string {
  if (friends.length === 0) return 'no friends yet (/add NAME sends a friend request)';
  return [`friends (${friends.length}):`, ...friends.map((f) => `  ${f.username} #${f.id} ${f.status}`)].join('\n');
}

export function formatFriendRequests(requests: readonly FriendRequest[]): string {
  if (requests.length === 0) return 'no pending friend requests';
  return [
    `pending friend requests (${requests.length}):`,
    ...requests.map((r) => `  #${r.requestId} from ${r.senderUsername} at ${formatTime(r.timestamp)}: /accept ${r.requestId} or /reject ${r.requestId}`),
  ].join('\n');
}

export function formatGroups(groups: readonly GroupSummary[]): string {
  if (groups.length === 0) return 'you are in no groups (/create NAME makes one)';
  return [
    `groups (${groups.length}):`,
    ...groups.map(
      (g) => `  ${groupLabel(g.groupId, g.name)} ${g.role}, ${g.memberCount} member${g.memberCount === 1 ? '' : 's'}`,
    ),
  ].join('\n');
}

export function formatMembers(group: string, members: readonly GroupMember[]): string {
  return [
    `members of ${group} (${members.length}):`,
    ...members.map((m) => `  ${m.username} #${m.id} ${m.role} ${m.status}`),
  ].join('\n');
}

/** Direct and group messages from while you were away, merged oldest first. */
export function formatOfflineMessages(direct: readonly DirectMessage[], group: readonly GroupMessage[]): string {
  if (direct.length === 0 && group.length === 0) return 'no offline messages';
  const lines: { timestamp: number; text: string }[] = [
    ...direct.map((m) => ({ timestamp: m.timestamp, text: formatDirectMessage(m) })),
    ...group.map((m) => ({ timestamp: m.timestamp, text: formatGroupMessage(m) })),
  ];
  lines.sort((a, b) => a.timestamp - b.timestamp); // stable: each source is already oldest first
  return [`while you were away (${lines.length}):`, ...lines.map((l) => `  ${l.text}`)].join('\n');
}

export function formatReadReceipt(r: ReadReceipt): string {
  return `[${formatTime(r.timestamp)}] ${r.readerUsername} read your messages`;
}

/** A conversation as /history names it: `bob` (direct) or `[Team #4]` (group). */
export interface ConversationLabel {
  readonly kind: ConversationKind;
  readonly label: string;
}

/**
 * A page of history, oldest first so it reads top to bottom (`newestFirst` as the
 * server sends it). Your direct messages that the other user has read carry a ✓.
 */
export function formatHistory(
  conversation: ConversationLabel,
  newestFirst: readonly HistoryMessage[],
  myUserId: number | null,
  now: number,
): string {
  const direct = conversation.kind === 'direct';
  const where = direct ? `with ${conversation.label}` : `in ${conversation.label}`;
  if (newestFirst.length === 0) return direct ? `no messages ${where} yet` : `no messages ${where} since you joined`;
  const count = newestFirst.length;
  const header = `last ${count === 1 ? 'message' : `${count} messages`} ${where}${direct ? ` (✓ read by ${conversation.label})` : ''}:`;
  const lines = [header];
  for (let i = count - 1; i >= 0; i--) {
    const m = newestFirst[i]!;
    const mine = m.senderId === myUserId;
    const tick = mine && direct && m.read ? ' ✓' : '';
    lines.push(`  [${formatStamp(m.timestamp, now)}] ${mine ? 'you' : m.senderUsername}: ${sanitize(m.content)}${tick}`);
  }
  return lines.join('\n');
}

/** The inbox: conversations latest first, each with its unread count when there is one. `more`: the server has older ones. */
export function formatInbox(conversations: readonly ConversationSummary[], more: boolean, now: number): string {
  if (conversations.length === 0) return 'no conversations yet';
  const unread = conversations.reduce((sum, c) => sum + c.unreadCount, 0);
  const n = conversations.length;
  const lines = [`inbox (${n}${more ? ' latest' : ''} conversation${n === 1 ? '' : 's'}, ${unread} unread):`];
  for (const c of conversations) {
    const name = c.kind === 'group' ? groupLabel(c.peerId, c.name) : c.name;
    lines.push(`  [${formatStamp(c.lastTimestamp, now)}] ${name}${c.unreadCount > 0 ? `: ${c.unreadCount} unread` : ''}`);
  }
  return lines.join('\n');
}

/** The users you blocked, as the server orders them (by name). */
export function formatBlockedList(blocked: readonly BlockedUser[]): string {
  if (blocked.length === 0) return 'you have blocked no one';
  return [`blocked (${blocked.length}):`, ...blocked.map((b) => `  ${b.username} #${b.userId}`)].join('\n');
}

/** What a privacy setting means for the user who set it. */
export function formatPrivacy(privacy: Privacy): string {
  return privacy === 'friends' ? 'privacy: only your friends can message you now' : 'privacy: anyone can message you now';
}
