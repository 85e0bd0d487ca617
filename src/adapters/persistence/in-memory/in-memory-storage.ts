import { AsyncLocalStorage } from 'node:async_hooks';
import {
  Account,
  Username,
  type AccountStatus,
  messageKey,
  type ConversationSummary,
  type DirectMessage,
  type HistoryMessage,
  type MessageRef,
  type ReadMark,
  type FriendRequest,
  type Group,
  type GroupMember,
  type GroupMemberView,
  type Membership,
  type MessageId,
  type ReceivedGroupMessage,
  type GroupMessage,
  type GroupRole,
  type IncomingFriendRequest,
  type NewAccount,
  type ReceivedDirectMessage,
  type Timestamp,
  type UserId,
  type UserRef,
} from '../../../domain';
import type {
  AccountRepository,
  AccountSummary,
  ActivityEntry,
  ActivityFilter,
  ActivityLog,
  ActivityRecord,
  ChatStats,
  ConversationRepository,
  FriendRequestRepository,
  FriendshipRepository,
  GroupRepository,
  MessageRepository,
  NewDirectMessage,
  NewGroupMessage,
  NewSession,
  NewSessionToken,
  OperatorReports,
  Repositories,
  SessionRepository,
  SessionToken,
  SessionTokenRepository,
  Storage,
  UnitOfWork,
} from '../../../application/ports';
import { storedActivityDetail } from '../../../application/ports';
import type { DirectMessageRefusal } from '../../../domain';
import type { ReportFilter, ReportRecord } from '../../../application/ports';
import { InMemorySafetyRepository, emptySafetyState, hasBlocked, listReports, mayWrite, type SafetyState } from './in-memory-safety';

/** The whole state of an in-memory store. */
export interface State {
  nextId: number;
  readonly accounts: Map<UserId, Account>;
  readonly accountsByKey: Map<string, UserId>;
  readonly friendRequests: Map<number, FriendRequest>;
  readonly friendships: Map<string, Timestamp>;
  readonly groups: Map<number, Group>;
  /** By `groupId:userId`. */
  readonly members: Map<string, GroupMember>;
  readonly directMessages: Map<number, { readonly message: DirectMessage; readonly delivered: boolean }>;
  readonly groupMessages: Map<number, GroupMessage>;
  /** By `messageId:userId`: delivered or not. */
  readonly groupDeliveries: Map<string, boolean>;
  /** By `readerId:senderId`: the newest direct message from the sender the reader has read. */
  readonly directReads: Map<string, MessageId>;
  /** By `groupId:userId`, for the current membership: the newest group message the member has read. */
  readonly groupReads: Map<string, MessageId>;
  /**
   * By `groupId:userId`, for the current membership: the group's newest message when it
   * began. The member sees only messages above it (and sent at or after joining), as the
   * databases keep it: a message stored before the join in the same millisecond stays out.
   */
  readonly joinedAfter: Map<string, MessageId>;
  readonly sessions: Map<number, NewSession>;
  readonly sessionTokens: Map<number, SessionToken>;
  /** Token id by hash: the hash is unique, as the databases' unique index makes it. */
  readonly sessionTokensByHash: Map<string, number>;
  readonly activity: ActivityEntry[];
  /**
   * The id each activity entry was recorded under (entries are stored as copies, so each
   * is one object). A counter of its own, so logging never shifts the ids of other rows.
   */
  readonly activityIds: WeakMap<ActivityEntry, number>;
  nextActivityId: number;
  /** Blocks, privacy settings and reports (PROTOCOL.md §10). */
  readonly safety: SafetyState;
}

const pairKey = (a: UserId, b: UserId): string => (a < b ? `${a}:${b}` : `${b}:${a}`);
const memberKey = (groupId: number, userId: UserId): string => `${groupId}:${userId}`;
const byUsername = (x: UserRef, y: UserRef): number => {
  const a = x.username.toLowerCase();
  const b = y.username.toLowerCase();
  return a < b ? -1 : a > b ? 1 : x.id - y.id;
};

/**
 * Every write goes through a journal. Inside a unit of work it remembers how to undo
 * each write, so a failed unit undoes its own writes and nobody else's.
 */
export class Journal {
  private readonly undo: (() => void)[] = [];

  constructor(private readonly recording: boolean) {}

  set<K, V>(map: Map<K, V>, key: K, value: V): void {
    if (this.recording) {
      const had = map.has(key);
      const previous = map.get(key);
      this.undo.push(() => (had ? map.set(key, previous as V) : map.delete(key)));
    }
    map.set(key, value);
  }

  delete<K, V>(map: Map<K, V>, key: K): boolean {
    if (!map.has(key)) return false;
    if (this.recording) {
      const previous = map.get(key) as V;
      this.undo.push(() => map.set(key, previous));
    }
    return map.delete(key);
  }

  append<T>(list: T[], item: T): void {
    if (this.recording) this.undo.push(() => list.splice(list.lastIndexOf(item), 1));
    list.push(item);
  }

  rollback(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    this.undo.length = 0;
  }
}

function emptyState(): State {
  return {
    nextId: 1,
    accounts: new Map(),
    accountsByKey: new Map(),
    friendRequests: new Map(),
    friendships: new Map(),
    groups: new Map(),
    members: new Map(),
    directMessages: new Map(),
    groupMessages: new Map(),
    groupDeliveries: new Map(),
    directReads: new Map(),
    groupReads: new Map(),
    joinedAfter: new Map(),
    sessions: new Map(),
    sessionTokens: new Map(),
    sessionTokensByHash: new Map(),
    activity: [],
    activityIds: new WeakMap(),
    nextActivityId: 1,
    safety: emptySafetyState(),
  };
}

function repositoriesOver(state: State, journal: Journal): Repositories {
  return {
    accounts: new InMemoryAccountRepository(state, journal),
    friendRequests: new InMemoryFriendRequestRepository(state, journal),
    friendships: new InMemoryFriendshipRepository(state, journal),
    groups: new InMemoryGroupRepository(state, journal),
    messages: new InMemoryMessageRepository(state, journal),
    conversations: new InMemoryConversationRepository(state, journal),
    sessions: new InMemorySessionRepository(state, journal),
    sessionTokens: new InMemorySessionTokenRepository(state, journal),
    activity: new InMemoryActivityLog(state, journal),
    reports: new InMemoryOperatorReports(state, journal),
    safety: new InMemorySafetyRepository(state, journal),
  };
}

/**
 * Storage held in process memory: the fakes the unit tests use and embedders may use.
 * It keeps the same promises as the database adapters (uniqueness, ordering, atomic
 * units of work), which one contract suite checks for both.
 */
export class InMemoryStorage implements Storage {
  private readonly state = emptyState();
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * Marks the async context of work inside a unit of work, so the storage's own
   * repositories refuse it there, as the database engines do (on SQLite such a call
   * would wait for the unit forever). Enabled only while a unit runs.
   */
  private readonly holder = new AsyncLocalStorage<{ holding: boolean }>();
  readonly repositories: Repositories = guarded(repositoriesOver(this.state, new Journal(false)), () =>
    this.holder.getStore()?.holding === true ? reentryError() : null,
  );
  readonly unitOfWork: UnitOfWork = { run: (work) => this.transaction(work) };

  /** Units of work run one at a time; a failed one undoes its own writes. */
  private transaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const journal = new Journal(true);
      const hold = { holding: true };
      const tx = guarded(repositoriesOver(this.state, journal), () => (hold.holding ? null : endedError()));
      try {
        return await this.holder.run(hold, () => work(tx));
      } catch (error) {
        journal.rollback();
        throw error;
      } finally {
        // Work the unit started and left running may use the storage from now on, not the unit's repositories.
        hold.holding = false;
        this.holder.disable();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** What the activity log holds, oldest first (for tests and embedders). */
  activityEntries(): readonly ActivityEntry[] {
    return this.state.activity;
  }

  /** Always answers: the data lives in this process. */
  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

/**
 * The repositories with every method refusing, while `refusal` says so, as the
 * database engines refuse: a rejected promise, before touching any state.
 */
function guarded(repositories: Repositories, refusal: () => Error | null): Repositories {
  // A method is wrapped once; the wrapper forwards everything but calls (a test's spy stays reachable).
  const wrapped = new WeakMap<object, unknown>();
  const method = (fn: (...args: unknown[]) => unknown, self: object): unknown => {
    let guard = wrapped.get(fn);
    if (guard === undefined) {
      guard = new Proxy(fn, {
        apply(target, _this, args) {
          const refused = refusal();
          return refused ? Promise.reject(refused) : Reflect.apply(target, self, args);
        },
      });
      wrapped.set(fn, guard);
    }
    return guard;
  };
  const guard = <R extends object>(repository: R): R =>
    new Proxy(repository, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? method(value as (...args: unknown[]) => unknown, target) : value;
      },
    });
  const entries = Object.entries(repositories).map(([name, repository]) => [name, guard(repository as object)]);
  return Object.fromEntries(entries) as unknown as Repositories;
}

function reentryError(): Error {
  return new Error(
    "The storage's repositories were used inside a unit of work: use the repositories the unit of work hands over",
  );
}

function endedError(): Error {
  return new Error('Repositories of a unit of work used after the unit of work ended');
}

/** What every in-memory repository holds: the shared state and the journal its writes go through. */
abstract class InMemoryRepository {
  constructor(
    protected readonly s: State,
    protected readonly journal: Journal,
  ) {}

  protected nextId(): number {
    return this.s.nextId++;
  }
}

class InMemoryAccountRepository extends InMemoryRepository implements AccountRepository {
  async create(account: NewAccount): Promise<Account | 'username-taken'> {
    const key = Username.keyOf(account.username);
    if (this.s.accountsByKey.has(key)) return 'username-taken';
    const created = Account.restore({ id: this.nextId(), status: 'active', ...account });
    this.journal.set(this.s.accounts, created.id, created);
    this.journal.set(this.s.accountsByKey, key, created.id);
    return created;
  }

  async findById(id: UserId): Promise<Account | null> {
    return this.s.accounts.get(id) ?? null;
  }

  async findByUsername(username: string): Promise<Account | null> {
    const id = this.s.accountsByKey.get(Username.keyOf(username));
    return id === undefined ? null : (this.s.accounts.get(id) ?? null);
  }

  async setStatus(id: UserId, status: AccountStatus): Promise<void> {
    const account = this.s.accounts.get(id);
    if (account) this.journal.set(this.s.accounts, id, Account.restore({ ...account, status }));
  }

  async filterBanned(ids: readonly UserId[]): Promise<UserId[]> {
    return ids.filter((id) => this.s.accounts.get(id)?.isBanned === true);
  }
}

class InMemoryFriendRequestRepository extends InMemoryRepository implements FriendRequestRepository {
  async createPending(senderId: UserId, receiverId: UserId, at: Timestamp): Promise<FriendRequest | 'already-pending'> {
    if (await this.findPendingBetween(senderId, receiverId)) return 'already-pending';
    const request: FriendRequest = { id: this.nextId(), senderId, receiverId, status: 'pending', createdAt: at };
    this.journal.set(this.s.friendRequests, request.id, request);
    return request;
  }

  async findPendingBetween(a: UserId, b: UserId): Promise<FriendRequest | null> {
    const pair = pairKey(a, b);
    for (const r of this.s.friendRequests.values()) {
      if (r.status === 'pending' && pairKey(r.senderId, r.receiverId) === pair) return r;
    }
    return null;
  }

  async listPendingFor(receiverId: UserId): Promise<IncomingFriendRequest[]> {
    return [...this.s.friendRequests.values()]
      .filter((r) => r.status === 'pending' && r.receiverId === receiverId)
      .sort((x, y) => x.createdAt - y.createdAt || x.id - y.id)
      .map((r) => ({
        id: r.id,
        senderId: r.senderId,
        senderUsername: this.s.accounts.get(r.senderId)?.username ?? '',
        createdAt: r.createdAt,
      }));
  }

  async resolve(id: number, receiverId: UserId, outcome: 'accepted' | 'rejected'): Promise<FriendRequest | null> {
    const request = this.s.friendRequests.get(id);
    if (!request || request.status !== 'pending' || request.receiverId !== receiverId) return null;
    this.journal.set(this.s.friendRequests, id, { ...request, status: outcome });
    return request;
  }
}

class InMemoryFriendshipRepository extends InMemoryRepository implements FriendshipRepository {
  async add(a: UserId, b: UserId, since: Timestamp): Promise<boolean> {
    const key = pairKey(a, b);
    if (this.s.friendships.has(key)) return false;
    this.journal.set(this.s.friendships, key, since);
    return true;
  }

  async remove(a: UserId, b: UserId): Promise<boolean> {
    return this.journal.delete(this.s.friendships, pairKey(a, b));
  }

  async exists(a: UserId, b: UserId): Promise<boolean> {
    return this.s.friendships.has(pairKey(a, b));
  }

  async listFriends(userId: UserId): Promise<UserRef[]> {
    const friends: UserRef[] = [];
    for (const key of this.s.friendships.keys()) {
      const [low, high] = key.split(':').map(Number) as [number, number];
      const other = low === userId ? high : high === userId ? low : null;
      const account = other === null ? undefined : this.s.accounts.get(other);
      if (account) friends.push({ id: account.id, username: account.username });
    }
    return friends.sort(byUsername);
  }
}

class InMemoryGroupRepository extends InMemoryRepository implements GroupRepository {
  async create(name: string, creatorId: UserId, at: Timestamp): Promise<Group> {
    const group: Group = { id: this.nextId(), name, createdBy: creatorId, createdAt: at };
    this.journal.set(this.s.groups, group.id, group);
    await this.addMember({ groupId: group.id, userId: creatorId, role: 'admin', joinedAt: at });
    return group;
  }

  async findById(id: number): Promise<Group | null> {
    return this.s.groups.get(id) ?? null;
  }

  async findMember(groupId: number, userId: UserId): Promise<GroupMember | null> {
    return this.s.members.get(memberKey(groupId, userId)) ?? null;
  }

  async addMember(member: GroupMember): Promise<boolean> {
    const key = memberKey(member.groupId, member.userId);
    if (this.s.members.has(key)) return false;
    this.journal.set(this.s.members, key, member);
    let newest = 0;
    for (const m of this.s.groupMessages.values()) if (m.groupId === member.groupId && m.id > newest) newest = m.id;
    this.journal.set(this.s.joinedAfter, key, newest);
    return true;
  }

  async removeMember(groupId: number, userId: UserId): Promise<boolean> {
    // A member who comes back starts a new membership, read state included.
    this.journal.delete(this.s.groupReads, memberKey(groupId, userId));
    this.journal.delete(this.s.joinedAfter, memberKey(groupId, userId));
    return this.journal.delete(this.s.members, memberKey(groupId, userId));
  }

  async listMembers(groupId: number): Promise<GroupMember[]> {
    return [...this.s.members.values()]
      .filter((m) => m.groupId === groupId)
      .sort((a, b) => a.joinedAt - b.joinedAt || a.userId - b.userId);
  }

  async setRole(groupId: number, userId: UserId, role: GroupRole): Promise<void> {
    const member = this.s.members.get(memberKey(groupId, userId));
    if (member) this.journal.set(this.s.members, memberKey(groupId, userId), { ...member, role });
  }

  async listMembersByName(groupId: number): Promise<GroupMemberView[]> {
    const members = await this.listMembers(groupId);
    return members
      .map((m) => ({ userId: m.userId, username: this.s.accounts.get(m.userId)?.username ?? '', role: m.role }))
      .sort((a, b) => byUsername({ id: a.userId, username: a.username }, { id: b.userId, username: b.username }));
  }

  async listMembershipsOf(userId: UserId): Promise<Membership[]> {
    const memberships: Membership[] = [];
    for (const member of this.s.members.values()) {
      if (member.userId !== userId) continue;
      const group = this.s.groups.get(member.groupId);
      if (!group) continue;
      const memberCount = (await this.listMembers(group.id)).length;
      memberships.push({ groupId: group.id, groupName: group.name, role: member.role, memberCount });
    }
    return memberships.sort((a, b) => a.groupId - b.groupId);
  }
}

class InMemoryMessageRepository extends InMemoryRepository implements MessageRepository {
  async saveDirect(message: NewDirectMessage): Promise<DirectMessage | DirectMessageRefusal> {
    if (!this.s.accounts.has(message.receiverId)) return 'receiver-not-found';
    const friends = this.s.friendships.has(pairKey(message.senderId, message.receiverId));
    if (!mayWrite(this.s.safety, message.senderId, message.receiverId, friends)) return 'not-allowed';
    const stored: DirectMessage = { id: this.nextId(), ...message };
    this.journal.set(this.s.directMessages, stored.id, { message: stored, delivered: false });
    return stored;
  }

  async markDirectDelivered(ids: readonly number[]): Promise<void> {
    for (const id of ids) {
      const row = this.s.directMessages.get(id);
      if (row && !row.delivered) this.journal.set(this.s.directMessages, id, { message: row.message, delivered: true });
    }
  }

  async listUndeliveredDirect(receiverId: UserId, limit: number, afterId: MessageId = 0): Promise<ReceivedDirectMessage[]> {
    const found: ReceivedDirectMessage[] = [];
    // Ids only grow, so ascending ids are the order of sending.
    const ids = [...this.s.directMessages.keys()].filter((id) => id > afterId).sort((a, b) => a - b);
    for (const id of ids) {
      if (found.length >= limit) break;
      const { message, delivered } = this.s.directMessages.get(id)!;
      if (delivered || message.receiverId !== receiverId) continue;
      // Held back while the receiver blocks the sender; handed out again after an unblock.
      if (hasBlocked(this.s.safety, receiverId, message.senderId)) continue;
      found.push({ ...message, senderUsername: this.s.accounts.get(message.senderId)?.username ?? '' });
    }
    return found;
  }

  async saveGroup(message: NewGroupMessage, recipientIds: readonly UserId[]): Promise<GroupMessage> {
    const stored: GroupMessage = { id: this.nextId(), ...message };
    this.journal.set(this.s.groupMessages, stored.id, stored);
    for (const userId of recipientIds) this.journal.set(this.s.groupDeliveries, `${stored.id}:${userId}`, false);
    return stored;
  }

  async markGroupDelivered(messageId: number, recipientIds: readonly UserId[]): Promise<void> {
    for (const recipientId of recipientIds) {
      const key = `${messageId}:${recipientId}`;
      if (this.s.groupDeliveries.get(key) === false) this.journal.set(this.s.groupDeliveries, key, true);
    }
  }

  async listUndeliveredGroup(recipientId: UserId, limit: number, afterId: MessageId = 0): Promise<ReceivedGroupMessage[]> {
    const found: ReceivedGroupMessage[] = [];
    const ids = [...this.s.groupMessages.keys()].filter((id) => id > afterId).sort((a, b) => a - b);
    for (const id of ids) {
      if (found.length >= limit) break;
      if (this.s.groupDeliveries.get(`${id}:${recipientId}`) !== false) continue;
      const message = this.s.groupMessages.get(id)!;
      // Only while a member, and only since the current membership began.
      const membership = this.s.members.get(memberKey(message.groupId, recipientId));
      if (!membership || membership.joinedAt > message.sentAt) continue;
      found.push({
        ...message,
        groupName: this.s.groups.get(message.groupId)?.name ?? '',
        senderUsername: this.s.accounts.get(message.senderId)?.username ?? '',
      });
    }
    return found;
  }

  async markGroupDeliveredTo(recipientId: UserId, messageIds: readonly MessageId[]): Promise<void> {
    for (const id of messageIds) await this.markGroupDelivered(id, [recipientId]);
  }

  async acknowledge(userId: UserId, directIds: readonly MessageId[], groupIds: readonly MessageId[]): Promise<number> {
    let changed = 0;
    for (const id of directIds) {
      const row = this.s.directMessages.get(id);
      if (!row || row.delivered || row.message.receiverId !== userId) continue;
      this.journal.set(this.s.directMessages, id, { message: row.message, delivered: true });
      changed++;
    }
    for (const id of groupIds) {
      // As the databases do: the recipient's delivery row decides, whatever their membership now.
      const key = `${id}:${userId}`;
      if (this.s.groupDeliveries.get(key) !== false) continue;
      this.journal.set(this.s.groupDeliveries, key, true);
      changed++;
    }
    return changed;
  }
}

const readKey = (readerId: UserId, senderId: UserId): string => `${readerId}:${senderId}`;

/** The last `limit` of messages held oldest first, newest first; none for a limit below 1. */
function newestFirst<T>(oldestFirst: readonly T[], limit: number): T[] {
  const count = Math.floor(limit);
  return count > 0 ? oldestFirst.slice(-count).reverse() : [];
}

/** History and read state computed from the stored messages: ids only grow, so they give the order of sending. */
class InMemoryConversationRepository extends InMemoryRepository implements ConversationRepository {
  async directHistory(userId: UserId, peerId: UserId, upToId: MessageId, limit: number): Promise<HistoryMessage[]> {
    const between = this.directBetween(userId, peerId).filter((m) => m.id <= upToId);
    return newestFirst(between, limit).map((m) =>
      this.historyEntry('direct', m, this.directReadUpTo(m.receiverId, m.senderId) >= m.id),
    );
  }

  async groupHistory(userId: UserId, groupId: number, upToId: MessageId, limit: number): Promise<HistoryMessage[] | null> {
    const visible = this.visibleInGroup(userId, groupId);
    if (!visible) return null;
    const readUpTo = this.s.groupReads.get(memberKey(groupId, userId)) ?? 0;
    const page = newestFirst(
      visible.filter((m) => m.id <= upToId),
      limit,
    );
    return page.map((m) => this.historyEntry('group', m, m.senderId === userId || m.id <= readUpTo));
  }

  async markDirectRead(readerId: UserId, senderId: UserId, upToId: MessageId): Promise<ReadMark> {
    const from = this.directReadUpTo(readerId, senderId);
    const newlyRead = this.directBetween(readerId, senderId).filter(
      (m) => m.senderId === senderId && m.id > from && m.id <= upToId,
    );
    if (newlyRead.length === 0) return { changed: 0, upToId: 0 };
    const newest = newlyRead[newlyRead.length - 1]!.id;
    this.journal.set(this.s.directReads, readKey(readerId, senderId), newest);
    for (const m of newlyRead) {
      const row = this.s.directMessages.get(m.id)!;
      if (!row.delivered) this.journal.set(this.s.directMessages, m.id, { message: row.message, delivered: true });
    }
    return { changed: newlyRead.length, upToId: newest };
  }

  async markGroupRead(readerId: UserId, groupId: number, upToId: MessageId): Promise<ReadMark | null> {
    const visible = this.visibleInGroup(readerId, groupId);
    if (!visible) return null;
    const key = memberKey(groupId, readerId);
    const from = this.s.groupReads.get(key) ?? 0;
    const range = visible.filter((m) => m.id > from && m.id <= upToId);
    if (range.length === 0) return { changed: 0, upToId: 0 };
    this.journal.set(this.s.groupReads, key, range[range.length - 1]!.id);
    const newlyRead = range.filter((m) => m.senderId !== readerId);
    for (const m of newlyRead) {
      const delivery = `${m.id}:${readerId}`;
      if (this.s.groupDeliveries.get(delivery) === false) this.journal.set(this.s.groupDeliveries, delivery, true);
    }
    return { changed: newlyRead.length, upToId: newlyRead.length > 0 ? newlyRead[newlyRead.length - 1]!.id : 0 };
  }

  async listConversations(userId: UserId, limit: number, before: MessageRef | null): Promise<ConversationSummary[]> {
    const conversations: ConversationSummary[] = [];
    const latestByPeer = new Map<UserId, DirectMessage>();
    for (const { message } of this.s.directMessages.values()) {
      const peerId = message.senderId === userId ? message.receiverId : message.receiverId === userId ? message.senderId : null;
      if (peerId === null) continue;
      if ((latestByPeer.get(peerId)?.id ?? 0) < message.id) latestByPeer.set(peerId, message);
    }
    for (const [peerId, last] of latestByPeer) {
      const readUpTo = this.directReadUpTo(userId, peerId);
      conversations.push({
        kind: 'direct',
        peerId,
        name: this.s.accounts.get(peerId)?.username ?? '',
        lastMessageId: last.id,
        lastSentAt: last.sentAt,
        unreadCount: this.directBetween(userId, peerId).filter((m) => m.senderId === peerId && m.id > readUpTo).length,
      });
    }
    for (const member of this.s.members.values()) {
      if (member.userId !== userId) continue;
      const visible = this.visibleInGroup(userId, member.groupId) ?? [];
      const last = visible[visible.length - 1];
      if (!last) continue;
      const readUpTo = this.s.groupReads.get(memberKey(member.groupId, userId)) ?? 0;
      conversations.push({
        kind: 'group',
        peerId: member.groupId,
        name: this.s.groups.get(member.groupId)?.name ?? '',
        lastMessageId: last.id,
        lastSentAt: last.sentAt,
        unreadCount: visible.filter((m) => m.senderId !== userId && m.id > readUpTo).length,
      });
    }
    const order = (c: ConversationSummary): [number, number] => [c.lastSentAt, messageKey(c.kind, c.lastMessageId)];
    conversations.sort((a, b) => order(b)[0] - order(a)[0] || order(b)[1] - order(a)[1]);
    if (before === null) return conversations.slice(0, Math.max(0, limit));
    const cursor = this.sentAtOfVisible(userId, before);
    if (cursor === null) return [];
    const key = messageKey(before.kind, before.id);
    return conversations
      .filter((c) => {
        const [at, k] = order(c);
        return at < cursor || (at === cursor && k < key);
      })
      .slice(0, Math.max(0, limit));
  }

  /** Direct messages between two users, both ways, oldest first. */
  private directBetween(a: UserId, b: UserId): DirectMessage[] {
    const found: DirectMessage[] = [];
    for (const { message: m } of this.s.directMessages.values()) {
      if ((m.senderId === a && m.receiverId === b) || (m.senderId === b && m.receiverId === a)) found.push(m);
    }
    return found.sort((x, y) => x.id - y.id);
  }

  private directReadUpTo(readerId: UserId, senderId: UserId): MessageId {
    return this.s.directReads.get(readKey(readerId, senderId)) ?? 0;
  }

  /** The group's messages the user can see, oldest first; null when not a member. */
  private visibleInGroup(userId: UserId, groupId: number): GroupMessage[] | null {
    const membership = this.s.members.get(memberKey(groupId, userId));
    if (!membership) return null;
    const after = this.s.joinedAfter.get(memberKey(groupId, userId)) ?? 0;
    return [...this.s.groupMessages.values()]
      .filter((m) => m.groupId === groupId && m.id > after && m.sentAt >= membership.joinedAt)
      .sort((x, y) => x.id - y.id);
  }

  /** When a message the user sent, received or can see in a group of theirs was sent; null for any other. */
  private sentAtOfVisible(userId: UserId, ref: MessageRef): number | null {
    if (ref.kind === 'direct') {
      const m = this.s.directMessages.get(ref.id)?.message;
      return m && (m.senderId === userId || m.receiverId === userId) ? m.sentAt : null;
    }
    const m = this.s.groupMessages.get(ref.id);
    return m && this.s.members.has(memberKey(m.groupId, userId)) ? m.sentAt : null;
  }

  private historyEntry(kind: 'direct' | 'group', m: DirectMessage | GroupMessage, read: boolean): HistoryMessage {
    return {
      kind,
      id: m.id,
      senderId: m.senderId,
      senderUsername: this.s.accounts.get(m.senderId)?.username ?? '',
      content: m.content,
      sentAt: m.sentAt,
      read,
    };
  }
}

class InMemorySessionRepository extends InMemoryRepository implements SessionRepository {
  async open(session: NewSession): Promise<number> {
    const id = this.nextId();
    this.journal.set(this.s.sessions, id, session);
    return id;
  }

  async close(sessionId: number): Promise<void> {
    this.journal.delete(this.s.sessions, sessionId);
  }

  async closeAllOfNode(nodeId: string): Promise<UserId[]> {
    const users: UserId[] = [];
    for (const [id, session] of [...this.s.sessions]) {
      if (session.nodeId !== nodeId) continue;
      this.journal.delete(this.s.sessions, id);
      users.push(session.userId);
    }
    return users;
  }
}

class InMemorySessionTokenRepository extends InMemoryRepository implements SessionTokenRepository {
  async issue(token: NewSessionToken, maxLive: number, now: Timestamp): Promise<number> {
    if (this.s.sessionTokensByHash.has(token.tokenHash)) {
      // What the databases' unique index does; 256 random bits make it a bug, not a case to handle.
      throw new Error('A session token with this hash is stored already');
    }
    const id = this.nextId();
    this.journal.set(this.s.sessionTokens, id, { id, ...token });
    this.journal.set(this.s.sessionTokensByHash, token.tokenHash, id);
    const expired = this.tokensOf(token.userId).filter((t) => t.expiresAt <= now);
    for (const t of expired) this.remove(t.id);
    const live = this.tokensOf(token.userId);
    for (const t of live.slice(0, Math.max(0, live.length - maxLive))) this.remove(t.id);
    return id;
  }

  async findByHash(tokenHash: string): Promise<SessionToken | null> {
    const id = this.s.sessionTokensByHash.get(tokenHash);
    return id === undefined ? null : (this.s.sessionTokens.get(id) ?? null);
  }

  async revoke(ids: readonly number[]): Promise<void> {
    for (const id of ids) this.remove(id);
  }

  async revokeAllOf(userId: UserId): Promise<number> {
    const tokens = this.tokensOf(userId);
    for (const t of tokens) this.remove(t.id);
    return tokens.length;
  }

  async listLive(userId: UserId, now: Timestamp): Promise<SessionToken[]> {
    return this.tokensOf(userId).filter((t) => t.expiresAt > now);
  }

  /** The user's tokens, expired or not, oldest first (by creation, then id). */
  private tokensOf(userId: UserId): SessionToken[] {
    return [...this.s.sessionTokens.values()]
      .filter((t) => t.userId === userId)
      .sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  }

  private remove(id: number): void {
    const token = this.s.sessionTokens.get(id);
    if (!token) return;
    this.journal.delete(this.s.sessionTokens, id);
    this.journal.delete(this.s.sessionTokensByHash, token.tokenHash);
  }
}

class InMemoryActivityLog extends InMemoryRepository implements ActivityLog {
  async record(entry: ActivityEntry): Promise<void> {
    const stored: ActivityEntry = { ...entry, detail: storedActivityDetail(entry.detail) };
    this.s.activityIds.set(stored, this.s.nextActivityId++);
    this.journal.append(this.s.activity, stored);
  }
}

class InMemoryOperatorReports extends InMemoryRepository implements OperatorReports {
  async listAccounts(): Promise<AccountSummary[]> {
    const online = this.usersWithSessions();
    return [...this.s.accounts.values()]
      .sort((a, b) => a.id - b.id)
      .map((account) => ({
        id: account.id,
        username: account.username,
        status: account.status,
        online: online.has(account.id),
        createdAt: account.createdAt,
      }));
  }

  async listActivity(filter: ActivityFilter): Promise<ActivityRecord[]> {
    const found: ActivityRecord[] = [];
    const limit = Math.floor(filter.limit);
    // Recorded in order: newest last.
    for (let i = this.s.activity.length - 1; i >= 0 && found.length < limit; i--) {
      const entry = this.s.activity[i]!;
      if (filter.userId !== undefined && entry.userId !== filter.userId) continue;
      if (filter.since !== undefined && entry.at < filter.since) continue;
      found.push({
        id: this.s.activityIds.get(entry) ?? 0,
        userId: entry.userId,
        username: entry.userId === null ? null : (this.s.accounts.get(entry.userId)?.username ?? null),
        action: entry.action,
        detail: entry.detail,
        at: entry.at,
      });
    }
    return found;
  }

  async listReports(filter: ReportFilter): Promise<ReportRecord[]> {
    return listReports(this.s, filter);
  }

  async stats(): Promise<ChatStats> {
    const accounts = [...this.s.accounts.values()];
    const directs = [...this.s.directMessages.values()];
    let pendingOfflineGroup = 0;
    for (const [key, delivered] of this.s.groupDeliveries) {
      if (delivered) continue;
      const [messageId, userId] = key.split(':').map(Number) as [number, number];
      const message = this.s.groupMessages.get(messageId);
      // As GET_OFFLINE_MESSAGES sees it: only a member now, and only since they joined.
      const membership = message && this.s.members.get(memberKey(message.groupId, userId));
      if (message && membership && membership.joinedAt <= message.sentAt) pendingOfflineGroup++;
    }
    const unreadDirect = directs.filter(
      ({ message: m }) => m.id > (this.s.directReads.get(readKey(m.receiverId, m.senderId)) ?? 0),
    ).length;
    let unreadGroup = 0;
    for (const member of this.s.members.values()) {
      const readUpTo = this.s.groupReads.get(memberKey(member.groupId, member.userId)) ?? 0;
      const after = this.s.joinedAfter.get(memberKey(member.groupId, member.userId)) ?? 0;
      for (const m of this.s.groupMessages.values()) {
        const visible = m.groupId === member.groupId && m.id > after && m.sentAt >= member.joinedAt;
        if (visible && m.senderId !== member.userId && m.id > readUpTo) unreadGroup++;
      }
    }
    return {
      accounts: accounts.length,
      bannedAccounts: accounts.filter((account) => account.isBanned).length,
      reports: this.s.safety.reports.size,
      onlineUsers: this.usersWithSessions().size,
      directMessagesStored: directs.length,
      groupMessagesStored: this.s.groupMessages.size,
      pendingOfflineDirect: directs.filter((row) => !row.delivered).length,
      pendingOfflineGroup,
      unreadDirect,
      unreadGroup,
    };
  }

  private usersWithSessions(): Set<UserId> {
    return new Set([...this.s.sessions.values()].map((session) => session.userId));
  }
}
