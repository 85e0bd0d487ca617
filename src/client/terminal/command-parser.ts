/** Parsing of the terminal client's `/commands`: pure, no I/O. */
import { MAX_REPORT_REASON_BYTES } from '../chat-client';
import type { Privacy } from '../results';

/** Whom a command addresses: a pure number is an id, anything else a username. */
export type UserTarget = { readonly kind: 'id'; readonly id: number } | { readonly kind: 'name'; readonly name: string };

/**
 * Which conversation /history shows: a user by id (digits only), a group by `#ID`, or
 * a name, which may be a user's or a group's (resolved when the command runs).
 */
export type ConversationTarget = UserTarget | { readonly kind: 'group'; readonly groupId: number };

export type TerminalCommand =
  | { readonly kind: 'register'; readonly username: string; readonly password: string }
  | { readonly kind: 'login'; readonly username: string; readonly password: string }
  | { readonly kind: 'logout' }
  | { readonly kind: 'msg'; readonly target: UserTarget; readonly text: string }
  | { readonly kind: 'gmsg'; readonly groupId: number; readonly text: string }
  | { readonly kind: 'friends' }
  | { readonly kind: 'requests' }
  | { readonly kind: 'add'; readonly username: string }
  | { readonly kind: 'accept'; readonly requestId: number }
  | { readonly kind: 'reject'; readonly requestId: number }
  | { readonly kind: 'unfriend'; readonly target: UserTarget }
  | { readonly kind: 'groups' }
  | { readonly kind: 'members'; readonly groupId: number }
  | { readonly kind: 'create'; readonly name: string }
  | { readonly kind: 'invite'; readonly groupId: number; readonly target: UserTarget }
  | { readonly kind: 'kick'; readonly groupId: number; readonly target: UserTarget }
  | { readonly kind: 'leave'; readonly groupId: number }
  | { readonly kind: 'offline' }
  | { readonly kind: 'history'; readonly target: ConversationTarget; readonly count: number }
  | { readonly kind: 'inbox' }
  | { readonly kind: 'block'; readonly target: UserTarget }
  | { readonly kind: 'unblock'; readonly target: UserTarget }
  | { readonly kind: 'blocked' }
  | { readonly kind: 'privacy'; readonly privacy: Privacy }
  | { readonly kind: 'report'; readonly target: UserTarget; readonly reason: string }
  | { readonly kind: 'help' }
  | { readonly kind: 'quit' }
  /** A blank line, or a `#` comment in a script. */
  | { readonly kind: 'nothing' };

export type ParseResult = { readonly ok: true; readonly command: TerminalCommand } | { readonly ok: false; readonly error: string };

/** How many messages /history shows unless told, and at most. */
export const DEFAULT_HISTORY_COUNT = 20;
export const MAX_HISTORY_COUNT = 100;

/** Each command's usage and what it does, in /help order. */
const COMMANDS = {
  register: ['/register NAME PASSWORD', 'create an account'],
  login: ['/login NAME PASSWORD', 'log in; shows pending friend requests and what was sent while you were away'],
  logout: ['/logout', 'log out (stay connected)'],
  msg: ['/msg NAME-or-ID TEXT', 'send a direct message'],
  gmsg: ['/gmsg GROUP-ID TEXT', 'send a message to a group'],
  friends: ['/friends', 'list your friends and whether they are online'],
  requests: ['/requests', 'list friend requests waiting for your answer'],
  add: ['/add NAME', 'send a friend request'],
  accept: ['/accept REQUEST-ID', 'accept a friend request'],
  reject: ['/reject REQUEST-ID', 'reject a friend request'],
  unfriend: ['/unfriend NAME-or-ID', 'end a friendship'],
  groups: ['/groups', 'list your groups'],
  members: ['/members GROUP-ID', "list a group's members"],
  create: ['/create GROUP-NAME', 'create a group (you become its admin)'],
  invite: ['/invite GROUP-ID NAME-or-ID', 'add someone to a group (admins)'],
  kick: ['/kick GROUP-ID NAME-or-ID', 'remove someone from a group (admins)'],
  leave: ['/leave GROUP-ID', 'leave a group'],
  offline: ['/offline', 'fetch messages sent while you were away (without reliable delivery)'],
  history: ['/history NAME-or-GROUP [N]', `the last N messages with a user or in a group (default ${DEFAULT_HISTORY_COUNT}, at most ${MAX_HISTORY_COUNT})`],
  inbox: ['/inbox', 'your conversations, latest first, with how many messages you have not read'],
  block: ['/block NAME-or-ID', 'stop someone messaging you or sending friend requests (ends a friendship)'],
  unblock: ['/unblock NAME-or-ID', 'lift a block'],
  blocked: ['/blocked', 'list the users you blocked'],
  privacy: ['/privacy everyone|friends', 'who may send you direct messages'],
  report: ['/report NAME-or-ID REASON', "report abuse to the server's operator"],
  help: ['/help', 'show this help'],
  quit: ['/quit', 'disconnect and exit'],
} as const satisfies Record<string, readonly [usage: string, description: string]>;

/** The usage line of a command, as shown in errors. */
export function usageOf(command: keyof typeof COMMANDS): string {
  return COMMANDS[command][0];
}

export const HELP_TEXT = [
  'commands:',
  ...Object.values(COMMANDS).map(([usage, description]) => `  ${usage.padEnd(28)} ${description}`),
  'A NAME-or-ID made of digits only is a user id. A GROUP is #GROUP-ID or the',
  "group's name. PASSWORD, TEXT, GROUP-NAME and REASON are the rest of the line.",
].join('\n');

const ID = /^[1-9][0-9]{0,15}$/;

/** A positive id as the protocol allows (at most 2^53−1), or null. */
export function parseIdText(text: string): number | null {
  if (!ID.test(text)) return null;
  const id = Number(text);
  return id <= Number.MAX_SAFE_INTEGER ? id : null;
}

/** A pure number (digits only) is an id; anything else is a name. */
export function parseUserTarget(text: string): UserTarget | null {
  if (/^[0-9]+$/.test(text)) {
    const id = parseIdText(text);
    return id === null ? null : { kind: 'id', id };
  }
  return { kind: 'name', name: text };
}

/** `#ID` is a group; otherwise as parseUserTarget (a name may also be a group's). */
export function parseConversationTarget(text: string): ConversationTarget | null {
  if (text.startsWith('#')) {
    const groupId = parseIdText(text.slice(1));
    return groupId === null ? null : { kind: 'group', groupId };
  }
  return parseUserTarget(text);
}

/** `/history` arguments: the conversation, then an optional count as the last word (a group's name may have spaces). */
function parseHistory(args: string): ParseResult {
  if (args === '') return { ok: false, error: `usage: ${usageOf('history')}` };
  const match = /^([\s\S]*\S)\s+([0-9]+)$/.exec(args);
  const who = match ? match[1]! : args;
  let count = DEFAULT_HISTORY_COUNT;
  if (match) {
    count = Number(match[2]);
    if (!/^[1-9][0-9]{0,2}$/.test(match[2]!) || count > MAX_HISTORY_COUNT) {
      return { ok: false, error: `not a number of messages (1–${MAX_HISTORY_COUNT}): ${match[2]}` };
    }
  }
  const target = parseConversationTarget(who);
  if (target === null) return { ok: false, error: who.startsWith('#') ? `not a group id: ${who.slice(1)}` : `not a user id: ${who}` };
  return { ok: true, command: { kind: 'history', target, count } };
}

/** Splits off the first whitespace-separated word; `rest` keeps its inner spacing. */
function firstWord(text: string): { word: string; rest: string } {
  const match = /^(\S*)\s*([\s\S]*)$/.exec(text)!;
  return { word: match[1]!, rest: match[2]! };
}

/** Parses one input line. */
export function parseCommand(rawLine: string): ParseResult {
  const line = rawLine.replace(/\r$/, '');
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return { ok: true, command: { kind: 'nothing' } };
  if (!trimmed.startsWith('/')) return { ok: false, error: 'commands start with / (type /help)' };

  const { word, rest } = firstWord(line.trimStart().slice(1));
  const name = word.toLowerCase();
  const args = rest.replace(/\s+$/, '');
  const ok = (command: TerminalCommand): ParseResult => ({ ok: true, command });
  const usage = (key: keyof typeof COMMANDS): ParseResult => ({ ok: false, error: `usage: ${usageOf(key)}` });

  switch (name) {
    case 'register':
    case 'login': {
      // The password is the rest of the line as typed (it may contain spaces).
      const { word: username, rest: password } = firstWord(rest);
      if (username === '' || password === '') return usage(name);
      return ok({ kind: name, username, password });
    }
    case 'msg': {
      const { word: who, rest: text } = firstWord(args);
      const target = parseUserTarget(who);
      if (who === '' || text === '') return usage('msg');
      if (target === null) return { ok: false, error: `not a user id: ${who}` };
      return ok({ kind: 'msg', target, text });
    }
    case 'gmsg': {
      const { word: group, rest: text } = firstWord(args);
      if (group === '' || text === '') return usage('gmsg');
      const groupId = parseIdText(group);
      if (groupId === null) return { ok: false, error: `not a group id: ${group}` };
      return ok({ kind: 'gmsg', groupId, text });
    }
    case 'add': {
      if (args === '' || /\s/.test(args)) return usage('add');
      return ok({ kind: 'add', username: args });
    }
    case 'accept':
    case 'reject': {
      if (args === '' || /\s/.test(args)) return usage(name);
      const requestId = parseIdText(args);
      if (requestId === null) return { ok: false, error: `not a request id: ${args}` };
      return ok({ kind: name, requestId });
    }
    case 'unfriend':
    case 'block':
    case 'unblock': {
      if (args === '' || /\s/.test(args)) return usage(name);
      const target = parseUserTarget(args);
      if (target === null) return { ok: false, error: `not a user id: ${args}` };
      return ok({ kind: name, target });
    }
    case 'privacy':
      if (args !== 'everyone' && args !== 'friends') return usage('privacy');
      return ok({ kind: 'privacy', privacy: args });
    case 'report': {
      const { word: who, rest: reason } = firstWord(args);
      if (who === '' || reason === '') return usage('report');
      const target = parseUserTarget(who);
      if (target === null) return { ok: false, error: `not a user id: ${who}` };
      const bytes = Buffer.byteLength(reason, 'utf8');
      if (bytes > MAX_REPORT_REASON_BYTES) {
        return { ok: false, error: `the reason is too long: ${bytes} bytes, at most ${MAX_REPORT_REASON_BYTES}` };
      }
      return ok({ kind: 'report', target, reason });
    }
    case 'members':
    case 'leave': {
      if (args === '' || /\s/.test(args)) return usage(name);
      const groupId = parseIdText(args);
      if (groupId === null) return { ok: false, error: `not a group id: ${args}` };
      return ok({ kind: name, groupId });
    }
    case 'create': {
      if (args.trim() === '') return usage('create');
      return ok({ kind: 'create', name: args.trim() });
    }
    case 'invite':
    case 'kick': {
      const { word: group, rest: who } = firstWord(args);
      if (group === '' || who === '' || /\s/.test(who)) return usage(name);
      const groupId = parseIdText(group);
      if (groupId === null) return { ok: false, error: `not a group id: ${group}` };
      const target = parseUserTarget(who);
      if (target === null) return { ok: false, error: `not a user id: ${who}` };
      return ok({ kind: name, groupId, target });
    }
    case 'history':
      return parseHistory(args);
    case 'logout':
    case 'inbox':
    case 'blocked':
    case 'friends':
    case 'requests':
    case 'groups':
    case 'offline':
    case 'help':
    case 'quit':
      if (args !== '') return usage(name);
      return ok({ kind: name });
    case 'exit':
      return args === '' ? ok({ kind: 'quit' }) : usage('quit');
    default:
      return { ok: false, error: `unknown command /${word} (type /help)` };
  }
}
