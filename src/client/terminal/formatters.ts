/** How the terminal client shows things: pure functions from values to lines of text. */
import { ChatError, ConnectionClosedError, ProtocolError, RequestTimeoutError } from '../client-errors';
import type { DirectMessage, FriendRequest, FriendRequestAccepted, GroupMessage, MembershipChange, PresenceUpdate } from '../events';
import type { Friend, GroupMember, GroupSummary } from '../results';

/** Local wall-clock time of an epoch-ms timestamp, `HH:MM`. */
export function formatTime(timestamp: number): string {
  const date = new Date(timestamp);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
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
