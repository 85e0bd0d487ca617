/**
 * The web client: one page over the SDK's ChatClient on the server's WebSocket (`/ws`
 * of the page's own host), in reliable mode with its session token in localStorage, so a
 * reload or a dropped connection resumes without the password. Everything a user typed is
 * put on the page as text (textContent), never as markup.
 */
import {
  ChatClient,
  ChatError,
  ConnectionClosedError,
  RequestTimeoutError,
  webStorageSessions,
  type BlockedUser,
  type ConversationKind,
  type DirectMessage,
  type Friend,
  type FriendRequest,
  type GroupMember,
  type GroupMessage,
  type GroupSummary,
  type MembershipChange,
  type Privacy,
  type UserIdentity,
} from '../client/browser';

const WEBSOCKET_PATH = '/ws';
/** Messages fetched with GET_HISTORY when a conversation opens. */
const HISTORY_PAGE = 50;
/** Connecting again after the connection could not open or was lost for good: first wait, and the longest. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 15_000;
/** Below this width the sidebar sits above the conversation (style.css says the same). */
const NARROW = '(max-width: 720px)';
/** The privacy this browser last set for a user (the protocol has no way to read it back). */
const PRIVACY_KEY = (userId: number): string => `chat.privacy.${userId}`;

type ConversationKey = `${'d' | 'g'}:${number}`;

interface ShownMessage {
  readonly id: number | undefined;
  readonly senderId: number;
  readonly sender: string;
  readonly content: string;
  readonly timestamp: number;
  /** A line about the group (someone joined or left), not a message. */
  readonly note?: boolean;
}

interface Conversation {
  readonly kind: ConversationKind;
  readonly peerId: number;
  messages: ShownMessage[];
  unread: number;
}

type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page lacks #${id}`);
  return found as T;
}

/** An element with text content and attributes; children are elements or text. */
function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children); // strings become text nodes
  return node;
}

const keyOf = (kind: ConversationKind, peerId: number): ConversationKey => `${kind === 'direct' ? 'd' : 'g'}:${peerId}`;

const sameDay = (a: Date, b: Date): boolean => a.toDateString() === b.toDateString();
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

function shownTime(timestamp: number): string {
  const date = new Date(timestamp);
  return sameDay(date, new Date()) ? timeFormat.format(date) : dateTimeFormat.format(date);
}

/** What to tell the user about a failed request: the server's reply text when it answered. */
function describeFailure(error: unknown): string {
  if (error instanceof ChatError) return error.text === '' ? `Error ${error.status}` : error.text;
  if (error instanceof ConnectionClosedError) return 'Not connected to the server. Try again once it is back.';
  if (error instanceof RequestTimeoutError) return 'The server did not answer in time.';
  if (error instanceof Error) return error.message;
  return String(error);
}

function webSocketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${WEBSOCKET_PATH}`;
}

class WebChat {
  private client: ChatClient | null = null;
  private me: UserIdentity | null = null;
  private state: ConnectionState = 'connecting';
  private retryDelay = RETRY_FIRST_MS;

  private readonly friends = new Map<number, Friend>();
  /** Users who wrote to us without being friends. */
  private readonly strangers = new Map<number, string>();
  private readonly requests = new Map<number, FriendRequest>();
  /** The users we blocked (PROTOCOL §10), by id. */
  private readonly blocked = new Map<number, string>();
  private readonly groups = new Map<number, GroupSummary>();
  private readonly conversations = new Map<ConversationKey, Conversation>();
  private members: GroupMember[] = [];
  private selected: ConversationKey | null = null;

  private readonly ui = {
    connection: element<HTMLParagraphElement>('connection'),
    account: element<HTMLDivElement>('account'),
    whoami: element<HTMLSpanElement>('whoami'),
    logout: element<HTMLButtonElement>('logout'),
    alert: element<HTMLParagraphElement>('alert'),
    notice: element<HTMLParagraphElement>('notice'),
    auth: element<HTMLElement>('auth'),
    authForm: element<HTMLFormElement>('auth-form'),
    username: element<HTMLInputElement>('username'),
    password: element<HTMLInputElement>('password'),
    chat: element<HTMLDivElement>('chat'),
    requests: element<HTMLUListElement>('requests'),
    requestsEmpty: element<HTMLParagraphElement>('requests-empty'),
    friends: element<HTMLUListElement>('friends'),
    friendsEmpty: element<HTMLParagraphElement>('friends-empty'),
    addFriend: element<HTMLFormElement>('add-friend'),
    friendName: element<HTMLInputElement>('friend-name'),
    groups: element<HTMLUListElement>('groups'),
    groupsEmpty: element<HTMLParagraphElement>('groups-empty'),
    newGroup: element<HTMLFormElement>('new-group'),
    groupName: element<HTMLInputElement>('group-name'),
    conversation: element<HTMLElement>('conversation'),
    title: element<HTMLHeadingElement>('conversation-title'),
    subtitle: element<HTMLParagraphElement>('conversation-subtitle'),
    groupPanel: element<HTMLDetailsElement>('group-panel'),
    membersSummary: element<HTMLElement>('members-summary'),
    members: element<HTMLUListElement>('members'),
    addMember: element<HTMLFormElement>('add-member'),
    memberName: element<HTMLInputElement>('member-name'),
    leaveGroup: element<HTMLButtonElement>('leave-group'),
    messages: element<HTMLOListElement>('messages'),
    composer: element<HTMLFormElement>('composer'),
    messageInput: element<HTMLInputElement>('message-input'),
    userPanel: element<HTMLDetailsElement>('user-panel'),
    blockState: element<HTMLParagraphElement>('block-state'),
    blockUser: element<HTMLButtonElement>('block-user'),
    reportForm: element<HTMLFormElement>('report-form'),
    reportReason: element<HTMLInputElement>('report-reason'),
    privacy: element<HTMLFieldSetElement>('privacy'),
    blockedList: element<HTMLUListElement>('blocked'),
    blockedEmpty: element<HTMLParagraphElement>('blocked-empty'),
  };

  start(): void {
    const { ui } = this;
    ui.authForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const register = event.submitter instanceof HTMLButtonElement && event.submitter.value === 'register';
      void this.authenticate(register);
    });
    ui.logout.addEventListener('click', () => void this.logout());
    ui.addFriend.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.addFriend();
    });
    ui.newGroup.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.createGroup();
    });
    ui.addMember.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.addMember();
    });
    ui.leaveGroup.addEventListener('click', () => void this.leaveGroup());
    ui.composer.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
    ui.blockUser.addEventListener('click', () => {
      const peerId = this.selectedPeerId();
      if (peerId !== null) void this.setBlocked(peerId, !this.blocked.has(peerId));
    });
    ui.reportForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.report();
    });
    ui.privacy.addEventListener('change', (event) => {
      const choice = event.target instanceof HTMLInputElement ? event.target.value : '';
      if (choice === 'everyone' || choice === 'friends') void this.setPrivacy(choice);
    });
    void this.connect();
  }

  // Connection.

  private async connect(): Promise<void> {
    this.setConnection('connecting');
    let client: ChatClient;
    try {
      client = await ChatClient.connect({
        url: webSocketUrl(),
        requestTimeoutMs: 15_000,
        reliable: { ...webStorageSessions(localStorage), maxReconnectDelayMs: RETRY_MAX_MS },
      });
    } catch {
      this.retryLater();
      return;
    }
    this.client = client;
    this.retryDelay = RETRY_FIRST_MS;
    this.listen(client);
    this.setConnection('online');
    let user: UserIdentity | null = null;
    try {
      user = await client.resumeSaved();
    } catch (error) {
      if (error instanceof ChatError) this.showError(`Your saved session ended (${describeFailure(error)}). Log in again.`);
    }
    if (user !== null) await this.enter(user);
    else if (client === this.client) this.showAuth();
  }

  private retryLater(): void {
    this.setConnection('offline');
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
    window.setTimeout(() => void this.connect(), delay);
  }

  private listen(client: ChatClient): void {
    const mine = (handler: () => void): void => {
      if (client === this.client) handler();
    };
    client.on('message', (message) => mine(() => this.onDirectMessage(message)));
    client.on('groupMessage', (message) => mine(() => this.onGroupMessage(message)));
    client.on('friendRequest', (request) =>
      mine(() => {
        if (!this.requests.has(request.requestId)) this.notify(`${request.senderUsername} sent you a friend request.`);
        this.requests.set(request.requestId, request);
        this.renderRequests();
      }),
    );
    client.on('presence', (update) =>
      mine(() => {
        const friend = this.friends.get(update.userId);
        if (friend !== undefined) this.friends.set(update.userId, { ...friend, status: update.status });
        this.members = this.members.map((member) => (member.id === update.userId ? { ...member, status: update.status } : member));
        this.renderFriends();
        this.renderConversationHead();
        this.renderMembers();
      }),
    );
    client.on('friendRequestAccepted', (accepted) =>
      mine(() => {
        this.notify(`${accepted.username} accepted your friend request.`);
        void this.attempt(() => this.loadFriends());
      }),
    );
    client.on('membershipChanged', (change) => mine(() => this.onMembershipChange(change)));
    client.on('disconnected', () => mine(() => this.setConnection('reconnecting')));
    client.on('reconnecting', ({ attempt }) => mine(() => this.setConnection('reconnecting', attempt)));
    client.on('reconnected', () =>
      mine(() => {
        this.setConnection('online');
        void this.attempt(() => this.reload());
      }),
    );
    client.on('close', () =>
      mine(() => {
        this.client = null;
        this.retryLater();
      }),
    );
  }

  private setConnection(state: ConnectionState, attempt?: number): void {
    this.state = state;
    const text: Record<ConnectionState, string> = {
      connecting: 'Connecting…',
      online: 'Online',
      reconnecting: attempt === undefined ? 'Reconnecting…' : `Reconnecting… (attempt ${attempt})`,
      offline: 'Offline: trying again soon',
    };
    this.ui.connection.dataset['state'] = state;
    this.ui.connection.textContent = text[state];
  }

  // Account.

  private async authenticate(register: boolean): Promise<void> {
    const username = this.ui.username.value.trim();
    const password = this.ui.password.value;
    await this.attempt(async () => {
      const client = this.connected();
      if (register) {
        await client.register(username, password);
      }
      const user = await client.login(username, password);
      this.ui.password.value = '';
      await this.enter(user);
      if (register) this.notify(`Welcome, ${user.username}. Your account is ready.`);
    });
  }

  private async logout(): Promise<void> {
    await this.attempt(async () => {
      await this.connected().logout();
      this.leaveSession();
      this.showAuth();
    });
  }

  private connected(): ChatClient {
    if (this.client === null || this.state !== 'online') throw new ConnectionClosedError('not connected');
    return this.client;
  }

  private async enter(user: UserIdentity): Promise<void> {
    // Messages may have arrived while logging in; they are kept unless someone else logs in.
    if (this.me !== null && this.me.userId !== user.userId) this.leaveSession();
    this.me = user;
    this.ui.whoami.textContent = `Signed in as ${user.username}`;
    this.ui.account.hidden = false;
    this.ui.auth.hidden = true;
    this.ui.chat.hidden = false;
    this.showPrivacy(localStorage.getItem(PRIVACY_KEY(user.userId)));
    this.renderAll();
    await this.attempt(() => this.reload());
  }

  private showAuth(): void {
    this.ui.account.hidden = true;
    this.ui.chat.hidden = true;
    this.ui.auth.hidden = false;
    this.ui.username.focus();
  }

  /** Forgets what the last user saw. */
  private leaveSession(): void {
    this.me = null;
    this.friends.clear();
    this.strangers.clear();
    this.requests.clear();
    this.blocked.clear();
    this.groups.clear();
    this.conversations.clear();
    this.members = [];
    this.selected = null;
    this.showPrivacy(null);
    this.renderAll();
  }

  /** The lists from the server (after login, and after a reconnect: pushes are not replayed). */
  private async reload(): Promise<void> {
    const client = this.connected();
    const [friends, requests, groups, conversations, blocked] = await Promise.all([
      client.getFriendList(),
      client.getFriendRequests(),
      client.getGroups(),
      client.getConversations().catch(() => []),
      client.getBlocked(),
    ]);
    this.setFriends(friends);
    this.setBlockedUsers(blocked);
    this.requests.clear();
    for (const request of requests) this.requests.set(request.requestId, request);
    this.setGroups(groups);
    for (const summary of conversations) {
      if (summary.kind === 'direct' && !this.friends.has(summary.peerId)) this.strangers.set(summary.peerId, summary.name);
      const conversation = this.conversation(summary.kind, summary.peerId);
      if (keyOf(summary.kind, summary.peerId) !== this.selected) conversation.unread = summary.unreadCount;
    }
    this.renderAll();
    if (this.selected !== null) await this.open(this.selected, false);
  }

  private async loadFriends(): Promise<void> {
    this.setFriends(await this.connected().getFriendList());
    this.renderFriends();
    this.renderConversationHead();
  }

  private async loadGroups(): Promise<void> {
    this.setGroups(await this.connected().getGroups());
    if (this.selected?.startsWith('g:') && !this.groups.has(Number(this.selected.slice(2)))) this.close();
    this.renderGroups();
    this.renderConversationHead();
  }

  private setFriends(friends: readonly Friend[]): void {
    this.friends.clear();
    for (const friend of friends) {
      this.friends.set(friend.id, friend);
      this.strangers.delete(friend.id);
    }
  }

  private setBlockedUsers(blocked: readonly BlockedUser[]): void {
    this.blocked.clear();
    for (const user of blocked) this.blocked.set(user.userId, user.username);
  }

  private setGroups(groups: readonly GroupSummary[]): void {
    this.groups.clear();
    for (const group of groups) this.groups.set(group.groupId, group);
  }

  // Friends and groups.

  private async addFriend(): Promise<void> {
    const name = this.ui.friendName.value.trim();
    if (name === '') return;
    await this.attempt(async () => {
      await this.connected().sendFriendRequest(name);
      this.ui.friendName.value = '';
      this.notify(`Friend request sent to ${name}.`);
    });
  }

  private async answer(request: FriendRequest, accept: boolean): Promise<void> {
    await this.attempt(async () => {
      const client = this.connected();
      if (accept) await client.acceptFriendRequest(request.requestId);
      else await client.rejectFriendRequest(request.requestId);
      this.requests.delete(request.requestId);
      this.renderRequests();
      this.notify(accept ? `You and ${request.senderUsername} are friends now.` : `Request from ${request.senderUsername} rejected.`);
      if (accept) await this.loadFriends();
    });
  }

  private async createGroup(): Promise<void> {
    const name = this.ui.groupName.value.trim();
    if (name === '') return;
    await this.attempt(async () => {
      const group = await this.connected().createGroup(name);
      this.ui.groupName.value = '';
      this.groups.set(group.groupId, { groupId: group.groupId, name: group.name, role: 'admin', memberCount: 1 });
      this.renderGroups();
      this.notify(`Group ${group.name} created.`);
      await this.open(keyOf('group', group.groupId), true);
    });
  }

  private async addMember(): Promise<void> {
    const groupId = this.selectedGroupId();
    const name = this.ui.memberName.value.trim();
    if (groupId === null || name === '') return;
    await this.attempt(async () => {
      const client = this.connected();
      const user = await client.findUser(name);
      await client.addToGroup(groupId, user.userId);
      this.ui.memberName.value = '';
      this.notify(`${user.username} added to the group.`);
      await this.loadMembers(groupId);
    });
  }

  private async removeMember(member: GroupMember): Promise<void> {
    const groupId = this.selectedGroupId();
    if (groupId === null) return;
    await this.attempt(async () => {
      await this.connected().removeFromGroup(groupId, member.id);
      this.notify(`${member.username} removed from the group.`);
      await this.loadMembers(groupId);
    });
  }

  private async leaveGroup(): Promise<void> {
    const groupId = this.selectedGroupId();
    if (groupId === null) return;
    const name = this.groups.get(groupId)?.name ?? 'the group';
    await this.attempt(async () => {
      await this.connected().leaveGroup(groupId);
      this.groups.delete(groupId);
      this.conversations.delete(keyOf('group', groupId));
      this.close();
      this.renderGroups();
      this.notify(`You left ${name}.`);
    });
  }

  private async loadMembers(groupId: number): Promise<void> {
    const members = await this.connected().getGroupMembers(groupId);
    if (this.selectedGroupId() !== groupId) return;
    this.members = members;
    const group = this.groups.get(groupId);
    const mine = members.find((member) => member.id === this.me?.userId);
    if (group !== undefined) this.groups.set(groupId, { ...group, memberCount: members.length, role: mine?.role ?? group.role });
    this.renderMembers();
    this.renderGroups();
  }

  // Blocking, privacy and reports (PROTOCOL §10).

  /** Blocks or unblocks a user; a block also ends the friendship and any request between the two. */
  private async setBlocked(userId: number, block: boolean): Promise<void> {
    const name = this.nameOf(userId);
    await this.attempt(async () => {
      const client = this.connected();
      if (block) await client.blockUser(userId);
      else await client.unblockUser(userId);
      this.setBlockedUsers(await client.getBlocked());
      this.notify(block ? `You blocked ${name}. Neither of you can message the other.` : `${name} unblocked.`);
      if (block) {
        if (this.friends.has(userId)) this.strangers.set(userId, name);
        for (const [id, request] of this.requests) if (request.senderId === userId) this.requests.delete(id);
        await this.loadFriends();
      }
      this.renderAll();
    });
  }

  private async report(): Promise<void> {
    const peerId = this.selectedPeerId();
    const reason = this.ui.reportReason.value.trim();
    if (peerId === null || reason === '') return;
    await this.attempt(async () => {
      await this.connected().reportUser(peerId, reason);
      this.ui.reportReason.value = '';
      this.notify(`Report about ${this.nameOf(peerId)} sent.`);
    });
  }

  private async setPrivacy(privacy: Privacy): Promise<void> {
    const me = this.me;
    if (me === null) return;
    await this.attempt(async () => {
      await this.connected().setPrivacy(privacy);
      localStorage.setItem(PRIVACY_KEY(me.userId), privacy);
      this.notify(privacy === 'friends' ? 'Direct messages now only from friends.' : 'Direct messages now from everyone.');
    });
    this.showPrivacy(localStorage.getItem(PRIVACY_KEY(me.userId)));
  }

  /** Checks the privacy choice this browser knows of, or none. */
  private showPrivacy(privacy: string | null): void {
    for (const input of this.ui.privacy.querySelectorAll('input')) input.checked = input.value === privacy;
  }

  private nameOf(userId: number): string {
    return this.friends.get(userId)?.username ?? this.strangers.get(userId) ?? this.blocked.get(userId) ?? `User ${userId}`;
  }

  private selectedPeerId(): number | null {
    return this.selected?.startsWith('d:') ? Number(this.selected.slice(2)) : null;
  }

  private selectedGroupId(): number | null {
    return this.selected?.startsWith('g:') ? Number(this.selected.slice(2)) : null;
  }

  // Messages.

  private conversation(kind: ConversationKind, peerId: number): Conversation {
    const key = keyOf(kind, peerId);
    let conversation = this.conversations.get(key);
    if (conversation === undefined) {
      conversation = { kind, peerId, messages: [], unread: 0 };
      this.conversations.set(key, conversation);
    }
    return conversation;
  }

  private onDirectMessage(message: DirectMessage): void {
    if (!this.friends.has(message.senderId)) this.strangers.set(message.senderId, message.senderUsername);
    this.receive(this.conversation('direct', message.senderId), {
      id: message.messageId,
      senderId: message.senderId,
      sender: message.senderUsername,
      content: message.content,
      timestamp: message.timestamp,
    });
  }

  private onGroupMessage(message: GroupMessage): void {
    if (!this.groups.has(message.groupId)) {
      this.groups.set(message.groupId, { groupId: message.groupId, name: message.groupName, role: 'member', memberCount: 0 });
      void this.attempt(() => this.loadGroups());
    }
    this.receive(this.conversation('group', message.groupId), {
      id: message.messageId,
      senderId: message.senderId,
      sender: message.senderUsername,
      content: message.content,
      timestamp: message.timestamp,
    });
  }

  private receive(conversation: Conversation, message: ShownMessage): void {
    if (message.id !== undefined && conversation.messages.some((shown) => shown.id === message.id)) return;
    conversation.messages.push(message);
    const key = keyOf(conversation.kind, conversation.peerId);
    if (key === this.selected) {
      this.appendMessage(message);
      if (message.id !== undefined) void this.client?.markRead(conversation.kind, conversation.peerId, message.id).catch(() => undefined);
    } else {
      conversation.unread += 1;
    }
    this.renderFriends();
    this.renderGroups();
  }

  private onMembershipChange(change: MembershipChange): void {
    const own = change.userId === this.me?.userId;
    if (own && change.event !== 'added') {
      this.groups.delete(change.groupId);
      this.conversations.delete(keyOf('group', change.groupId));
      if (this.selectedGroupId() === change.groupId) this.close();
      this.renderGroups();
      if (change.event === 'removed') this.notify(`You were removed from ${change.groupName}.`);
      return;
    }
    if (own) this.notify(`You were added to ${change.groupName}.`);
    const what = { added: 'joined', removed: 'was removed', left: 'left' }[change.event];
    this.receive(this.conversation('group', change.groupId), {
      id: undefined,
      senderId: change.userId,
      sender: change.username,
      content: `${change.username} ${what} the group`,
      timestamp: Date.now(),
      note: true,
    });
    void this.attempt(async () => {
      await this.loadGroups();
      if (this.selectedGroupId() === change.groupId) await this.loadMembers(change.groupId);
    });
  }

  private async send(): Promise<void> {
    const content = this.ui.messageInput.value;
    const me = this.me;
    const key = this.selected;
    if (content.trim() === '' || me === null || key === null) return;
    const conversation = this.conversations.get(key);
    if (conversation === undefined) return;
    await this.attempt(async () => {
      const client = this.connected();
      if (conversation.kind === 'direct') await client.sendMessage(conversation.peerId, content);
      else await client.sendGroupMessage(conversation.peerId, content);
      this.ui.messageInput.value = '';
      const message: ShownMessage = { id: undefined, senderId: me.userId, sender: me.username, content, timestamp: Date.now() };
      conversation.messages.push(message);
      if (this.selected === key) this.appendMessage(message);
    });
  }

  /** Shows a conversation: its history from the server, then what arrives live. */
  private async open(key: ConversationKey, focus: boolean): Promise<void> {
    const [code, id] = key.split(':');
    const kind: ConversationKind = code === 'd' ? 'direct' : 'group';
    const peerId = Number(id);
    const conversation = this.conversation(kind, peerId);
    const switching = this.selected !== key;
    this.selected = key;
    conversation.unread = 0;
    if (switching) this.members = [];
    this.renderAll();
    if (focus) {
      if (window.matchMedia(NARROW).matches) this.ui.conversation.scrollIntoView({ block: 'start' });
      this.ui.messageInput.focus();
    }
    await this.attempt(async () => {
      const client = this.connected();
      const [history] = await Promise.all([
        client.getHistory(kind, peerId, { limit: HISTORY_PAGE }),
        kind === 'group' ? this.loadMembers(peerId) : Promise.resolve(),
      ]);
      if (this.selected !== key) return;
      const newest = history[0]?.messageId ?? 0;
      const shown: ShownMessage[] = history.reverse().map((message) => ({
        id: message.messageId,
        senderId: message.senderId,
        sender: message.senderUsername,
        content: message.content,
        timestamp: message.timestamp,
      }));
      // What arrived while the page was loading stays; sent messages without an id are in the history now.
      const later = conversation.messages.filter((message) => message.note === true || (message.id !== undefined && message.id > newest));
      conversation.messages = [...shown, ...later];
      this.renderMessages();
      if (newest > 0) await client.markRead(kind, peerId, newest).catch(() => undefined);
    });
  }

  private close(): void {
    this.selected = null;
    this.members = [];
    this.renderAll();
  }

  // Feedback.

  /** Runs a request; a failure is shown from the server's reply text. */
  private async attempt(action: () => Promise<void>): Promise<void> {
    this.ui.alert.textContent = '';
    try {
      await action();
    } catch (error) {
      this.showError(describeFailure(error));
    }
  }

  private showError(text: string): void {
    this.ui.alert.textContent = text;
  }

  private notify(text: string): void {
    this.ui.notice.textContent = text;
  }

  // Rendering.

  private renderAll(): void {
    this.renderRequests();
    this.renderFriends();
    this.renderGroups();
    this.renderConversationHead();
    this.renderMembers();
    this.renderMessages();
    this.renderBlocked();
  }

  private renderRequests(): void {
    const items = [...this.requests.values()].map((request) => {
      const accept = make('button', { type: 'button', 'aria-label': `Accept friend request from ${request.senderUsername}` }, 'Accept');
      const reject = make(
        'button',
        { type: 'button', class: 'secondary', 'aria-label': `Reject friend request from ${request.senderUsername}` },
        'Reject',
      );
      accept.addEventListener('click', () => void this.answer(request, true));
      reject.addEventListener('click', () => void this.answer(request, false));
      return make('li', { class: 'request' }, make('span', { class: 'name' }, request.senderUsername), make('span', { class: 'actions' }, accept, reject));
    });
    this.ui.requests.replaceChildren(...items);
    this.ui.requestsEmpty.hidden = items.length > 0;
  }

  private contactButton(key: ConversationKey, name: string, detail: HTMLElement | null): HTMLLIElement {
    const unread = this.conversations.get(key)?.unread ?? 0;
    const button = make('button', { type: 'button', class: 'contact', 'data-conversation': key }, make('span', { class: 'name' }, name));
    if (detail !== null) button.append(detail);
    if (unread > 0) button.append(make('span', { class: 'badge' }, make('span', { class: 'visually-hidden' }, 'unread: '), String(unread)));
    if (key === this.selected) button.setAttribute('aria-current', 'true');
    button.addEventListener('click', () => void this.open(key, true));
    return make('li', {}, button);
  }

  private renderFriends(): void {
    const presence = (status: string): HTMLElement =>
      make('span', { class: `presence ${status}` }, make('span', { class: 'dot', 'aria-hidden': 'true' }), status);
    const friends = [...this.friends.values()].map((friend) => this.contactButton(keyOf('direct', friend.id), friend.username, presence(friend.status)));
    const strangers = [...this.strangers].map(([id, name]) =>
      this.contactButton(keyOf('direct', id), name, make('span', { class: 'presence stranger' }, 'not a friend')),
    );
    this.ui.friends.replaceChildren(...friends, ...strangers);
    this.ui.friendsEmpty.hidden = friends.length + strangers.length > 0;
  }

  private renderGroups(): void {
    const groups = [...this.groups.values()].map((group) => {
      const size = group.memberCount > 0 ? `${group.memberCount} member${group.memberCount === 1 ? '' : 's'}` : 'group';
      return this.contactButton(keyOf('group', group.groupId), group.name, make('span', { class: 'presence' }, size));
    });
    this.ui.groups.replaceChildren(...groups);
    this.ui.groupsEmpty.hidden = groups.length > 0;
  }

  private renderConversationHead(): void {
    const { ui } = this;
    const key = this.selected;
    if (key === null) {
      ui.title.textContent = 'No conversation open';
      ui.subtitle.textContent = 'Pick a friend or a group.';
      ui.groupPanel.hidden = true;
      ui.userPanel.hidden = true;
      ui.composer.hidden = true;
      return;
    }
    const id = Number(key.slice(2));
    if (key.startsWith('d:')) {
      const friend = this.friends.get(id);
      ui.title.textContent = friend?.username ?? this.strangers.get(id) ?? `User ${id}`;
      ui.subtitle.textContent = friend === undefined ? 'Not your friend' : `Friend, ${friend.status}`;
      ui.groupPanel.hidden = true;
      const name = ui.title.textContent;
      const blocked = this.blocked.has(id);
      ui.userPanel.hidden = false;
      ui.blockState.textContent = blocked
        ? `You blocked ${name}: neither of you can message the other.`
        : `${name} is not told when you block or report them.`;
      ui.blockUser.textContent = blocked ? 'Unblock' : 'Block';
      ui.blockUser.setAttribute('aria-label', `${blocked ? 'Unblock' : 'Block'} ${name}`);
    } else {
      const group = this.groups.get(id);
      ui.title.textContent = group?.name ?? `Group ${id}`;
      ui.subtitle.textContent = group === undefined ? '' : `Group, you are ${group.role === 'admin' ? 'an admin' : 'a member'}`;
      ui.groupPanel.hidden = false;
      ui.userPanel.hidden = true;
    }
    ui.composer.hidden = false;
    ui.messageInput.setAttribute('aria-label', `Message to ${ui.title.textContent}`);
  }

  private renderBlocked(): void {
    const items = [...this.blocked].map(([id, name]) => {
      const unblock = make('button', { type: 'button', class: 'secondary', 'aria-label': `Unblock ${name}` }, 'Unblock');
      unblock.addEventListener('click', () => void this.setBlocked(id, false));
      return make('li', { class: 'member' }, make('span', { class: 'name' }, name), unblock);
    });
    this.ui.blockedList.replaceChildren(...items);
    this.ui.blockedEmpty.hidden = items.length > 0;
  }

  private renderMembers(): void {
    const groupId = this.selectedGroupId();
    const admin = this.members.some((member) => member.id === this.me?.userId && member.role === 'admin');
    const items = this.members.map((member) => {
      const item = make(
        'li',
        { class: 'member' },
        make('span', { class: 'name' }, member.id === this.me?.userId ? `${member.username} (you)` : member.username),
        make('span', { class: 'role' }, member.role),
        make('span', { class: `presence ${member.status}` }, make('span', { class: 'dot', 'aria-hidden': 'true' }), member.status),
      );
      if (admin && member.id !== this.me?.userId) {
        const remove = make('button', { type: 'button', class: 'secondary', 'aria-label': `Remove ${member.username} from the group` }, 'Remove');
        remove.addEventListener('click', () => void this.removeMember(member));
        item.append(remove);
      }
      return item;
    });
    this.ui.members.replaceChildren(...items);
    this.ui.membersSummary.textContent = groupId === null ? 'Members' : `Members (${this.members.length})`;
    this.ui.addMember.hidden = !admin;
  }

  private renderMessages(): void {
    const conversation = this.selected === null ? undefined : this.conversations.get(this.selected);
    this.ui.messages.replaceChildren(...(conversation?.messages ?? []).map((message) => this.messageItem(message)));
    this.ui.messages.scrollTop = this.ui.messages.scrollHeight;
  }

  private appendMessage(message: ShownMessage): void {
    const list = this.ui.messages;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(this.messageItem(message));
    if (atBottom || message.senderId === this.me?.userId) list.scrollTop = list.scrollHeight;
  }

  private messageItem(message: ShownMessage): HTMLLIElement {
    if (message.note === true) return make('li', { class: 'message note' }, message.content);
    const mine = message.senderId === this.me?.userId;
    const time = make('time', { datetime: new Date(message.timestamp).toISOString() }, shownTime(message.timestamp));
    return make(
      'li',
      { class: `message ${mine ? 'mine' : 'theirs'}` },
      make('div', { class: 'meta' }, make('span', { class: 'sender' }, mine ? 'You' : message.sender), ' ', time),
      make('p', { class: 'text' }, message.content),
    );
  }
}

new WebChat().start();
