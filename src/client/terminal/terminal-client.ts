import * as readline from 'node:readline';
import { ALL_MESSAGES, ChatClient, type ChatClientOptions } from '../chat-client';
import { ChatError, ConnectionClosedError } from '../client-errors';
import type { DirectMessage, FriendRequest, GroupMessage } from '../events';
import type { ReliableOptions, SavedSession } from '../reliable-mode';
import type { ConversationKind, HistoryMessage } from '../results';
import { HELP_TEXT, MAX_HISTORY_COUNT, parseCommand, type ConversationTarget, type TerminalCommand, type UserTarget } from './command-parser';
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
  groupLabel,
} from './formatters';
import { NameDirectory } from './name-directory';
import { ReadMarker } from './read-marker';

export interface TerminalClientOptions {
  /** Where commands come from, one per line (process.stdin). */
  readonly input: NodeJS.ReadableStream;
  /** Where results and pushes go (process.stdout). */
  readonly output: NodeJS.WritableStream;
  /** Where "cannot connect" goes (process.stderr); default `output`. */
  readonly errorOutput?: NodeJS.WritableStream;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 9000. */
  readonly port?: number;
  /**
   * Line editing, a prompt, and pushes printed above the line being typed. Default:
   * whether `input` is a TTY. Without it, commands run one after another and the
   * client exits at the end of the input.
   */
  readonly interactive?: boolean;
  readonly requestTimeoutMs?: number;
  readonly tls?: ChatClientOptions['tls'];
  /**
   * Non-interactive only: after the last command, how long to keep listening for
   * pushes already on their way (after a PING round trip), in ms. Default 200.
   */
  readonly drainMs?: number;
  /** The clock for times shown with events that carry none (presence). */
  readonly now?: () => number;
  /**
   * Reliable sessions (PROTOCOL §8), default true: once logged in on a server that
   * has them, a lost connection is resumed (the session token is kept in memory for
   * the life of the process) and messages are acknowledged, so none is lost.
   */
  readonly reliable?: boolean;
  /** Reliable sessions: the first reconnect delay, doubling up to `maxReconnectDelayMs` (defaults 100 and 10,000 ms). */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
}

/** Exit codes of `runTerminalClient`. */
export const TerminalExit = {
  OK: 0,
  /** The connection could not be made, or was lost (and could not be resumed). */
  CONNECTION: 1,
} as const;

/** After this many failed reconnect attempts the terminal says it keeps trying. */
const STILL_RECONNECTING_AFTER = 5;

/**
 * Runs the terminal client until `/quit`, the end of the input, or the connection is
 * lost. Resolves with the exit code: 0, or 1 when the connection could not be made or
 * was lost. Never rejects for a command's failure: errors are printed in words.
 *
 * With reliable sessions (the default), a connection lost while logged in is not the
 * end: the client says so in one line, reconnects with backoff for as long as it
 * takes (saying once that it keeps trying; /quit gives up), resumes and goes on.
 * Commands whose requests the drop cut off say that they failed. It still ends (exit
 * 1) when the connection is lost before login or the server refuses to resume.
 */
export async function runTerminalClient(options: TerminalClientOptions): Promise<number> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 9000;
  let client: ChatClient;
  try {
    client = await ChatClient.connect({
      host,
      port,
      requestTimeoutMs: options.requestTimeoutMs,
      tls: options.tls,
      reliable: options.reliable === false ? undefined : reliableInMemory(options),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await writeLine(options.errorOutput ?? options.output, `cannot connect to ${host}:${port}: ${reason}`);
    return TerminalExit.CONNECTION;
  }
  const interactive = options.interactive ?? ('isTTY' in options.input && options.input.isTTY === true);
  return new TerminalSession(client, options, interactive, `${host}:${port}`).run();
}

/** Reliable mode with the session token kept in memory: it resumes within this process only. */
function reliableInMemory(options: TerminalClientOptions): ReliableOptions {
  let saved: SavedSession | null = null;
  return {
    loadToken: async () => saved,
    saveToken: async (session) => {
      saved = session;
    },
    reconnectDelayMs: options.reconnectDelayMs,
    maxReconnectDelayMs: options.maxReconnectDelayMs,
  };
}

/** Why a connection went: nothing for a plain close by the server, else its error. */
function lostReason(error: Error | undefined): string {
  return error instanceof ConnectionClosedError && error.cause === undefined ? '' : `: ${error?.message ?? ''}`;
}

function writeLine(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(`${text}\n`, () => resolve()));
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const isUnknownCommand = (error: unknown): boolean => error instanceof ChatError && error.isUnknownCommand;

/** A name the client could not turn into an id. */
class UnknownUserError extends Error {
  override readonly name = 'UnknownUserError';
}

/** Which protocol extensions each command needs, to explain a `400 Unknown command`. */
const EXTENSION_OF: Partial<Record<TerminalCommand['kind'], string>> = {
  requests: 'GET_FRIEND_REQUESTS (1015)',
  groups: 'GET_GROUPS (1016)',
  members: 'GET_GROUP_MEMBERS (1017)',
  history: 'GET_HISTORY (1025)',
  inbox: 'GET_CONVERSATIONS (1027)',
  block: 'BLOCK_USER (1028)',
  unblock: 'UNBLOCK_USER (1029)',
  blocked: 'GET_BLOCKED (1030)',
  privacy: 'SET_PRIVACY (1031)',
  report: 'REPORT_USER (1032)',
};

/** GET_CONVERSATIONS answers at most this many per reply (PROTOCOL §9). */
const CONVERSATIONS_PER_PAGE = 100;

/** A conversation /history has found: its kind, the peer's id, and how it is shown. */
interface Conversation {
  readonly kind: ConversationKind;
  readonly peerId: number;
  readonly label: string;
}

/** One connection's terminal session: reads commands, prints replies and pushes. */
class TerminalSession {
  private readonly rl: readline.Interface;
  private readonly names = new NameDirectory();
  private readonly reads: ReadMarker;
  private readonly now: () => number;
  /** 2003 pushes held between sending LOGIN and the pending-requests summary. */
  private heldRequests: Map<number, FriendRequest> | null = null;
  /** Messages redelivered at login (acks enabled), held for the "while you were away" summary. */
  private heldMessages: { direct: DirectMessage[]; group: GroupMessage[] } | null = null;
  private quitting = false;
  private connectionLost = false;
  private lineClosed = false;
  private printedSinceCommand = false;

  constructor(
    private readonly client: ChatClient,
    private readonly options: TerminalClientOptions,
    private readonly interactive: boolean,
    private readonly address: string,
  ) {
    this.now = options.now ?? Date.now;
    this.reads = new ReadMarker((kind, peerId, upTo) => client.markRead(kind, peerId, upTo));
    this.rl = readline.createInterface({
      input: options.input,
      output: interactive ? options.output : undefined,
      terminal: interactive,
      prompt: '> ',
    });
    this.rl.on('close', () => {
      this.lineClosed = true;
    });
    if (interactive) {
      this.rl.on('SIGINT', () => {
        this.quitting = true;
        this.rl.close();
      });
    }
    this.listen();
  }

  async run(): Promise<number> {
    if (this.interactive) this.print(`connected to ${this.address}; type /help for the commands`);
    for await (const line of this.rl) {
      this.printedSinceCommand = false;
      const quit = await this.execute(line);
      // A failed connection (its close event says why) ends the session too.
      if (quit || !this.client.isOpen) break;
      if (this.interactive && !this.printedSinceCommand && !this.lineClosed) this.rl.prompt();
    }
    if (this.client.isOpen) {
      this.quitting = true;
      if (!this.interactive) await this.drain();
      await this.client.close();
    }
    await this.client.closed;
    this.rl.close();
    await new Promise<void>((resolve) => this.options.output.write('', () => resolve()));
    return this.connectionLost ? TerminalExit.CONNECTION : TerminalExit.OK;
  }

  /** Prints above the line being typed, then redraws the prompt and that line. */
  private print(text: string): void {
    this.printedSinceCommand = true;
    const out = this.options.output;
    if (!this.interactive || this.lineClosed) {
      out.write(`${text}\n`);
      return;
    }
    readline.clearLine(out, 0);
    readline.cursorTo(out, 0);
    out.write(`${text}\n`);
    this.rl.prompt(true);
  }

  /** Lets pushes already on their way arrive before the client exits. */
  private async drain(): Promise<void> {
    // PONG comes after every frame the server wrote before it; a failure (no PING
    // on this server, or the connection going away) leaves nothing more to wait for.
    await this.client.ping().catch(() => undefined);
    const ms = this.options.drainMs ?? 200;
    if (ms > 0 && !this.connectionLost) await delay(ms);
  }

  private listen(): void {
    const { client, names } = this;
    client.on('message', (m) => {
      names.rememberUser(m.senderId, m.senderUsername);
      if (this.heldMessages && m.messageId !== undefined) this.heldMessages.direct.push(m);
      else this.showDirectMessage(m);
    });
    client.on('groupMessage', (m) => {
      this.rememberGroupMessage(m);
      if (this.heldMessages && m.messageId !== undefined) this.heldMessages.group.push(m);
      else this.showGroupMessage(m);
    });
    client.on('read', (r) => {
      names.rememberUser(r.readerId, r.readerUsername);
      this.print(formatReadReceipt(r));
    });
    client.on('friendRequest', (r) => {
      // A resumed session gets the pending requests again: show each once.
      const shown = names.requestSender(r.requestId) !== undefined;
      names.rememberUser(r.senderId, r.senderUsername);
      names.rememberRequest(r.requestId, r.senderUsername);
      if (this.heldRequests) this.heldRequests.set(r.requestId, r);
      else if (!shown) this.print(formatFriendRequest(r));
    });
    client.on('presence', (u) => {
      names.rememberUser(u.userId, u.username);
      this.print(formatPresence(u, this.now()));
    });
    client.on('friendRequestAccepted', (a) => {
      names.rememberUser(a.userId, a.username);
      this.print(formatFriendRequestAccepted(a));
    });
    client.on('membershipChanged', (c) => {
      names.rememberGroup(c.groupId, c.groupName);
      names.rememberUser(c.userId, c.username);
      this.print(formatMembershipChange(c, client.user?.userId ?? null, this.now()));
    });
    // Frames of unknown TYPEs (a newer server's pushes) are ignored.
    client.on('disconnected', (error) => this.print(`connection lost${lostReason(error)}; reconnecting…`));
    client.on('reconnecting', ({ attempt }) => {
      if (attempt === STILL_RECONNECTING_AFTER + 1) {
        this.print(`still reconnecting after ${STILL_RECONNECTING_AFTER} failed attempts; trying on (/quit gives up)`);
      }
    });
    client.on('reconnected', (user) => {
      this.rl.setPrompt(`${user.username}> `);
      this.print(`reconnected as ${user.username}`);
    });
    client.on('reconnectFailed', (error) => {
      this.connectionLost = true;
      this.print(`cannot resume the session: ${formatError(error)}`);
    });
    client.on('close', (error) => {
      if (this.quitting) return;
      if (!this.connectionLost) this.print(`connection lost${lostReason(error)}`);
      this.connectionLost = true;
      if (!this.lineClosed) this.rl.close();
    });
  }

  /** Runs one line; true when it asks to quit. Prints every outcome. */
  private async execute(line: string): Promise<boolean> {
    const parsed = parseCommand(line);
    if (!parsed.ok) {
      this.print(parsed.error);
      return false;
    }
    const { command } = parsed;
    try {
      return await this.perform(command);
    } catch (error) {
      if (error instanceof ConnectionClosedError) {
        if (this.connectionLost) return false; // already said
        // A reliable session: the client reconnects, this command is not retried.
        if (this.client.isOpen) {
          this.print('failed: connection lost before the server answered');
          return false;
        }
      }
      const extension = EXTENSION_OF[command.kind];
      this.print(
        isUnknownCommand(error) && extension !== undefined
          ? `${formatError(error)} (this server does not implement ${extension})`
          : formatError(error),
      );
      return false;
    }
  }

  private async perform(command: TerminalCommand): Promise<boolean> {
    const { client, names } = this;
    switch (command.kind) {
      case 'nothing':
        return false;
      case 'help':
        this.print(HELP_TEXT);
        return false;
      case 'quit':
        return true;
      case 'register': {
        const { userId } = await client.register(command.username, command.password);
        names.rememberUser(userId, command.username);
        this.print(`registered ${command.username} as user #${userId}; now /login ${command.username} PASSWORD`);
        return false;
      }
      case 'login':
        await this.login(command.username, command.password);
        return false;
      case 'logout':
        await client.logout();
        this.rl.setPrompt('> ');
        this.print('logged out');
        return false;
      case 'msg': {
        const to = await this.resolveUser(command.target);
        await client.sendMessage(to.id, command.text);
        this.print(formatSentMessage(to.label, command.text, this.now()));
        return false;
      }
      case 'gmsg':
        await client.sendGroupMessage(command.groupId, command.text);
        this.print(formatSentGroupMessage(this.groupLabel(command.groupId), command.text, this.now()));
        return false;
      case 'friends': {
        const friends = await client.getFriendList();
        for (const f of friends) names.rememberUser(f.id, f.username);
        this.print(formatFriendList(friends));
        return false;
      }
      case 'requests': {
        const requests = await client.getFriendRequests();
        for (const r of requests) this.rememberRequest(r);
        this.print(formatFriendRequests(requests));
        return false;
      }
      case 'add':
        await client.sendFriendRequest(command.username);
        this.print(`friend request sent to ${command.username}`);
        return false;
      case 'accept': {
        await client.acceptFriendRequest(command.requestId);
        const sender = names.requestSender(command.requestId);
        this.print(
          sender === undefined ? `accepted friend request #${command.requestId}` : `you and ${sender} are now friends`,
        );
        return false;
      }
      case 'reject':
        await client.rejectFriendRequest(command.requestId);
        this.print(`rejected friend request #${command.requestId}`);
        return false;
      case 'unfriend': {
        const friend = await this.resolveUser(command.target);
        await client.unfriend(friend.id);
        this.print(`you and ${friend.label} are no longer friends`);
        return false;
      }
      case 'groups': {
        const groups = await client.getGroups();
        for (const g of groups) names.rememberGroup(g.groupId, g.name);
        this.print(formatGroups(groups));
        return false;
      }
      case 'members': {
        const members = await client.getGroupMembers(command.groupId);
        for (const m of members) names.rememberUser(m.id, m.username);
        this.print(formatMembers(this.groupLabel(command.groupId), members));
        return false;
      }
      case 'create': {
        const group = await client.createGroup(command.name);
        names.rememberGroup(group.groupId, group.name);
        this.print(
          `created ${groupLabel(group.groupId, group.name)}; you are its admin (/invite ${group.groupId} NAME adds members)`,
        );
        return false;
      }
      case 'invite': {
        const user = await this.resolveUser(command.target);
        await client.addToGroup(command.groupId, user.id);
        this.print(`added ${user.label} to ${this.groupLabel(command.groupId)}`);
        return false;
      }
      case 'kick': {
        const user = await this.resolveUser(command.target);
        await client.removeFromGroup(command.groupId, user.id);
        this.print(`removed ${user.label} from ${this.groupLabel(command.groupId)}`);
        return false;
      }
      case 'leave':
        await client.leaveGroup(command.groupId);
        this.print(`you left ${this.groupLabel(command.groupId)}`);
        return false;
      case 'offline':
        if (client.acksEnabled) this.print('nothing to fetch: with reliable delivery, messages sent while you were away come by themselves');
        else await this.fetchOffline(true);
        return false;
      case 'history':
        await this.showHistory(command.target, command.count);
        return false;
      case 'inbox': {
        const conversations = await client.getConversations();
        for (const c of conversations) {
          if (c.kind === 'direct') names.rememberUser(c.peerId, c.name);
          else names.rememberGroup(c.peerId, c.name);
        }
        this.print(formatInbox(conversations, conversations.length >= CONVERSATIONS_PER_PAGE, this.now()));
        return false;
      }
      case 'block': {
        const user = await this.resolveUser(command.target);
        await client.blockUser(user.id);
        this.print(`blocked ${user.label}: neither of you can message the other now`);
        return false;
      }
      case 'unblock': {
        const user = await this.resolveUser(command.target);
        await client.unblockUser(user.id);
        this.print(`unblocked ${user.label}`);
        return false;
      }
      case 'blocked': {
        const blocked = await client.getBlocked();
        for (const b of blocked) names.rememberUser(b.userId, b.username);
        this.print(formatBlockedList(blocked));
        return false;
      }
      case 'privacy':
        await client.setPrivacy(command.privacy);
        this.print(formatPrivacy(command.privacy));
        return false;
      case 'report': {
        const user = await this.resolveUser(command.target);
        await client.reportUser(user.id, command.reason);
        this.print(`reported ${user.label} to the operator`);
        return false;
      }
    }
  }

  /** A message shown as it arrives counts as read: marked up to its id, or the whole conversation when it has none. */
  private showDirectMessage(m: DirectMessage): void {
    this.print(formatDirectMessage(m));
    this.reads.mark('direct', m.senderId, m.messageId ?? ALL_MESSAGES);
  }

  private showGroupMessage(m: GroupMessage): void {
    this.print(formatGroupMessage(m));
    this.reads.mark('group', m.groupId, m.messageId ?? ALL_MESSAGES);
  }

  /** Messages just shown together (the "while you were away" summary): each conversation marked read once. */
  private markShown(direct: readonly DirectMessage[], group: readonly GroupMessage[]): void {
    const upTo = new Map<string, { kind: ConversationKind; peerId: number; id: number }>();
    const note = (kind: ConversationKind, peerId: number, id: number): void => {
      const key = `${kind}:${peerId}`;
      const seen = upTo.get(key);
      if (seen === undefined) upTo.set(key, { kind, peerId, id });
      else seen.id = Math.max(seen.id, id);
    };
    for (const m of direct) note('direct', m.senderId, m.messageId ?? ALL_MESSAGES);
    for (const m of group) note('group', m.groupId, m.messageId ?? ALL_MESSAGES);
    for (const { kind, peerId, id } of upTo.values()) this.reads.mark(kind, peerId, id);
  }

  /**
   * The last `count` messages of a conversation, oldest first. The server may answer a
   * page with fewer messages than asked (to stay under its payload limit), so this
   * pages back until it has `count` or the conversation's start. What it shows that
   * was sent to you and unread is then marked read.
   */
  private async showHistory(target: ConversationTarget, count: number): Promise<void> {
    const conversation = await this.resolveConversation(target);
    const messages: HistoryMessage[] = [];
    let before: number | undefined;
    while (messages.length < count) {
      const limit = Math.min(count - messages.length, MAX_HISTORY_COUNT);
      const page = await this.client.getHistory(conversation.kind, conversation.peerId, { beforeMessageId: before, limit });
      if (page.length === 0) break;
      messages.push(...page);
      before = page[page.length - 1]!.messageId;
    }
    const me = this.client.user?.userId ?? null;
    for (const m of messages) this.names.rememberUser(m.senderId, m.senderUsername);
    // A user asked for by id has a name now, if they wrote in this page.
    const label = conversation.kind === 'direct' ? this.names.userLabel(conversation.peerId) : conversation.label;
    this.print(formatHistory({ kind: conversation.kind, label }, messages, me, this.now()));
    const unread = messages.filter((m) => !m.read && m.senderId !== me);
    if (unread.length > 0) {
      this.reads.mark(conversation.kind, conversation.peerId, Math.max(...unread.map((m) => m.messageId)));
    }
  }

  /**
   * `#ID` is a group and digits a user id. A name may be a user's or a group's (one you
   * are in): looked up as both, it must name exactly one of them.
   */
  private async resolveConversation(target: ConversationTarget): Promise<Conversation> {
    if (target.kind === 'id') return { kind: 'direct', peerId: target.id, label: this.names.userLabel(target.id) };
    if (target.kind === 'group') return { kind: 'group', peerId: target.groupId, label: this.groupLabel(target.groupId) };
    const [userId, groups] = await Promise.all([this.findUserId(target.name), this.groupsNamed(target.name)]);
    const found: Conversation[] = groups.map((g) => ({ kind: 'group', peerId: g.groupId, label: groupLabel(g.groupId, g.name) }));
    if (userId !== null) found.unshift({ kind: 'direct', peerId: userId, label: this.names.userLabel(userId) });
    if (found.length === 1) return found[0]!;
    if (found.length === 0) throw new UnknownUserError(`no user or group of yours is called ${target.name}`);
    const choices = found.map((c) =>
      c.kind === 'direct' ? `the user ${c.label} (/history ${c.peerId})` : `the group ${c.label} (/history #${c.peerId})`,
    );
    throw new UnknownUserError(`${target.name} is ambiguous: ${choices.join(', ')}`);
  }

  /** The id of a username, or null when there is no such user (a name with spaces cannot be one). */
  private async findUserId(name: string): Promise<number | null> {
    if (/\s/.test(name)) return null;
    try {
      return (await this.resolveUser({ kind: 'name', name })).id;
    } catch (error) {
      if (error instanceof UnknownUserError || (error instanceof ChatError && error.status === 404)) return null;
      throw error;
    }
  }

  /** Your groups called `name` (ignoring case); none on a server without GET_GROUPS. */
  private async groupsNamed(name: string): Promise<{ groupId: number; name: string }[]> {
    let groups;
    try {
      groups = await this.client.getGroups();
    } catch (error) {
      if (isUnknownCommand(error)) return [];
      throw error;
    }
    for (const g of groups) this.names.rememberGroup(g.groupId, g.name);
    const wanted = name.toLowerCase();
    return groups.filter((g) => g.name.trim().toLowerCase() === wanted);
  }

  /**
   * Logs in, then shows what waited: pending friend requests (listed with 1015 when
   * the server has it, merged with the 2003 pushes the server replays at LOGIN) and
   * offline messages (fetched with 1014/1018, or with acks enabled those the server
   * pushed right after enabling them; later ones show as they come).
   */
  private async login(username: string, password: string): Promise<void> {
    const held = new Map<number, FriendRequest>();
    const heldMessages: { direct: DirectMessage[]; group: GroupMessage[] } = { direct: [], group: [] };
    this.heldRequests = held;
    this.heldMessages = heldMessages;
    try {
      const user = await this.client.login(username, password);
      this.names.rememberUser(user.userId, user.username);
      this.rl.setPrompt(`${user.username}> `);
      let listed: FriendRequest[] = [];
      try {
        listed = await this.client.getFriendRequests();
      } catch (error) {
        if (!isUnknownCommand(error)) throw error;
      } finally {
        // Said only now that what came with the login is in hand: whatever shows after this line is live.
        this.print(`logged in as ${user.username} (#${user.userId})`);
      }
      this.heldRequests = null;
      const pending = new Map<number, FriendRequest>();
      for (const r of [...listed, ...held.values()]) {
        this.rememberRequest(r);
        pending.set(r.requestId, r);
      }
      if (pending.size > 0) {
        this.print(formatFriendRequests([...pending.values()].sort((a, b) => a.timestamp - b.timestamp || a.requestId - b.requestId)));
      }
      this.heldMessages = null;
      if (this.client.acksEnabled) {
        if (heldMessages.direct.length > 0 || heldMessages.group.length > 0) {
          this.print(formatOfflineMessages(heldMessages.direct, heldMessages.group));
          this.markShown(heldMessages.direct, heldMessages.group);
        }
      } else {
        await this.fetchOffline(false);
      }
    } finally {
      if (this.heldRequests === held) {
        // No summary was shown (LOGIN or the listing failed): show them as they came.
        this.heldRequests = null;
        for (const r of held.values()) this.print(formatFriendRequest(r));
      }
      if (this.heldMessages === heldMessages) {
        this.heldMessages = null;
        for (const m of heldMessages.direct) this.showDirectMessage(m);
        for (const m of heldMessages.group) this.showGroupMessage(m);
      }
    }
  }

  /** Direct messages (1014) and group messages (1018, when the server has it), each until an empty batch. */
  private async fetchOffline(showEmpty: boolean): Promise<void> {
    const direct: DirectMessage[] = [];
    for (let batch = await this.client.getOfflineMessages(); batch.length > 0; batch = await this.client.getOfflineMessages()) {
      direct.push(...batch);
    }
    const group: GroupMessage[] = [];
    let groupError: unknown = null;
    try {
      for (
        let batch = await this.client.getOfflineGroupMessages();
        batch.length > 0;
        batch = await this.client.getOfflineGroupMessages()
      ) {
        group.push(...batch);
      }
    } catch (error) {
      // Direct messages were fetched (and so marked delivered): show them whatever happens here.
      if (!isUnknownCommand(error)) groupError = error;
    }
    for (const m of direct) this.names.rememberUser(m.senderId, m.senderUsername);
    for (const m of group) this.rememberGroupMessage(m);
    if (showEmpty || direct.length > 0 || group.length > 0) this.print(formatOfflineMessages(direct, group));
    this.markShown(direct, group);
    if (groupError !== null) throw groupError;
  }

  /**
   * A pure number is an id. A name comes from what this session has learned, else
   * FIND_USER (1020); a server without FIND_USER still lets you name your friends.
   */
  private async resolveUser(target: UserTarget): Promise<{ id: number; label: string }> {
    if (target.kind === 'id') return { id: target.id, label: this.names.userLabel(target.id) };
    const known = this.names.idOf(target.name);
    if (known !== undefined) return { id: known, label: this.names.userLabel(known) };
    try {
      const user = await this.client.findUser(target.name);
      this.names.rememberUser(user.userId, user.username);
      return { id: user.userId, label: user.username };
    } catch (error) {
      if (!isUnknownCommand(error)) throw error;
    }
    for (const f of await this.client.getFriendList()) this.names.rememberUser(f.id, f.username);
    const friend = this.names.idOf(target.name);
    if (friend !== undefined) return { id: friend, label: this.names.userLabel(friend) };
    throw new UnknownUserError(`unknown user ${target.name} (this server cannot look names up: use the user id)`);
  }

  private groupLabel(groupId: number): string {
    return groupLabel(groupId, this.names.groupName(groupId));
  }

  private rememberRequest(r: FriendRequest): void {
    this.names.rememberUser(r.senderId, r.senderUsername);
    this.names.rememberRequest(r.requestId, r.senderUsername);
  }

  private rememberGroupMessage(m: GroupMessage): void {
    this.names.rememberGroup(m.groupId, m.groupName);
    this.names.rememberUser(m.senderId, m.senderUsername);
  }
}
