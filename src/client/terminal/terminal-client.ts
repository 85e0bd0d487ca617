import * as readline from 'node:readline';
import { ChatClient, type ChatClientOptions } from '../chat-client';
import { ChatError, ConnectionClosedError } from '../client-errors';
import type { DirectMessage, FriendRequest, GroupMessage } from '../events';
import { HELP_TEXT, parseCommand, type TerminalCommand, type UserTarget } from './command-parser';
import {
  formatDirectMessage,
  formatError,
  formatFriendList,
  formatFriendRequest,
  formatFriendRequestAccepted,
  formatFriendRequests,
  formatGroupMessage,
  formatGroups,
  formatMembers,
  formatMembershipChange,
  formatOfflineMessages,
  formatPresence,
  formatSentGroupMessage,
  formatSentMessage,
  groupLabel,
} from './formatters';
import { NameDirectory } from './name-directory';

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
}

/** Exit codes of `runTerminalClient`. */
export const TerminalExit = {
  OK: 0,
  /** The connection could not be made, or was lost. */
  CONNECTION: 1,
} as const;

/**
 * Runs the terminal client until `/quit`, the end of the input, or the connection is
 * lost. Resolves with the exit code: 0, or 1 when the connection could not be made or
 * was lost. Never rejects for a command's failure: errors are printed in words.
 */
export async function runTerminalClient(options: TerminalClientOptions): Promise<number> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 9000;
  let client: ChatClient;
  try {
    client = await ChatClient.connect({ host, port, requestTimeoutMs: options.requestTimeoutMs, tls: options.tls });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await writeLine(options.errorOutput ?? options.output, `cannot connect to ${host}:${port}: ${reason}`);
    return TerminalExit.CONNECTION;
  }
  const interactive = options.interactive ?? ('isTTY' in options.input && options.input.isTTY === true);
  return new TerminalSession(client, options, interactive, `${host}:${port}`).run();
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
};

/** One connection's terminal session: reads commands, prints replies and pushes. */
class TerminalSession {
  private readonly rl: readline.Interface;
  private readonly names = new NameDirectory();
  private readonly now: () => number;
  /** 2003 pushes held between sending LOGIN and the pending-requests summary. */
  private heldRequests: Map<number, FriendRequest> | null = null;
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
      this.print(formatDirectMessage(m));
    });
    client.on('groupMessage', (m) => {
      this.rememberGroupMessage(m);
      this.print(formatGroupMessage(m));
    });
    client.on('friendRequest', (r) => {
      names.rememberUser(r.senderId, r.senderUsername);
      names.rememberRequest(r.requestId, r.senderUsername);
      if (this.heldRequests) this.heldRequests.set(r.requestId, r);
      else this.print(formatFriendRequest(r));
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
    client.on('close', (error) => {
      if (this.quitting) return;
      this.connectionLost = true;
      const reason = error instanceof ConnectionClosedError && error.cause === undefined ? '' : `: ${error?.message ?? ''}`;
      this.print(`connection lost${reason}`);
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
      if (this.connectionLost && error instanceof ConnectionClosedError) return false; // already said
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
        await this.fetchOffline(true);
        return false;
    }
  }

  /**
   * Logs in, then shows what waited: pending friend requests (listed with 1015 when
   * the server has it, merged with the 2003 pushes the server replays at LOGIN) and
   * offline messages.
   */
  private async login(username: string, password: string): Promise<void> {
    const held = new Map<number, FriendRequest>();
    this.heldRequests = held;
    try {
      const user = await this.client.login(username, password);
      this.names.rememberUser(user.userId, user.username);
      this.rl.setPrompt(`${user.username}> `);
      this.print(`logged in as ${user.username} (#${user.userId})`);
      let listed: FriendRequest[] = [];
      try {
        listed = await this.client.getFriendRequests();
      } catch (error) {
        if (!isUnknownCommand(error)) throw error;
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
      await this.fetchOffline(false);
    } finally {
      if (this.heldRequests === held) {
        // No summary was shown (LOGIN or the listing failed): show them as they came.
        this.heldRequests = null;
        for (const r of held.values()) this.print(formatFriendRequest(r));
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
