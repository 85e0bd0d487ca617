/**
 * Every use-case built with `new` over the in-memory adapters: one InMemoryStorage, a
 * LocalConnectionRegistry over RecordingConnections, a clock the test moves, the real
 * login throttle, a fast fake password hasher and a recording logger.
 */
import {
  LocalConnectionRegistry,
  type ClientConnection,
} from '../../src/adapters/delivery/local-connection-registry';
import { RandomSecretTokens } from '../../src/adapters/crypto/random-secret-tokens';
import { InMemoryStorage } from '../../src/adapters/persistence/in-memory/in-memory-storage';
import { InMemoryLoginThrottle } from '../../src/adapters/security/in-memory-login-throttle';
import {
  createUseCases,
  type ActivityAction,
  type ActivityEntry,
  type ChatUseCases,
  type Clock,
  type LogFields,
  type Logger,
  type MessageRepository,
  type NewDirectMessage,
  type NewGroupMessage,
  type PasswordHasher,
  type PushEvent,
  type Repositories,
  type SessionEndReason,
} from '../../src/application';
import type {
  DirectMessage,
  DirectMessageRefusal,
  DomainError,
  DomainErrorCode,
  GroupId,
  GroupMember,
  GroupMessage,
  MessageId,
  ReceivedDirectMessage,
  ReceivedGroupMessage,
  Result,
  Timestamp,
  UserId,
  UserRef,
} from '../../src/domain';

export const NODE_ID = 'node-a';
export const PASSWORD = 'correct horse';
export const LOGIN_MAX_FAILURES = 10;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const START_TIME: Timestamp = 1_700_000_000_000;

/** Time that moves only when the test says so. */
export class FakeClock implements Clock {
  constructor(private current: Timestamp = START_TIME) {}

  now(): Timestamp {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * Stands in for scrypt: deterministic, instant, and never stores the password as given.
 * Verifying against `null` (no account) answers false, as the real one does.
 */
export class FakePasswordHasher implements PasswordHasher {
  /** Passwords checked so far. */
  verifications = 0;

  async hash(password: string): Promise<string> {
    return `fake$${Buffer.from(password, 'utf8').toString('base64')}`;
  }

  async verify(password: string, storedHash: string | null): Promise<boolean> {
    this.verifications += 1;
    return storedHash !== null && storedHash === (await this.hash(password));
  }
}

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields | undefined;
}

/** A silent logger that keeps what it was told. */
export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];
  private readonly waiting: Array<{ readonly message: string; readonly resolve: (line: LogLine) => void }> = [];

  debug(message: string, fields?: LogFields): void {
    this.add({ level: 'debug', message, fields });
  }
  info(message: string, fields?: LogFields): void {
    this.add({ level: 'info', message, fields });
  }
  warn(message: string, fields?: LogFields): void {
    this.add({ level: 'warn', message, fields });
  }
  error(message: string, fields?: LogFields): void {
    this.add({ level: 'error', message, fields });
  }

  /** The next line with this message, logged from now on. */
  next(message: string): Promise<LogLine> {
    return new Promise((resolve) => this.waiting.push({ message, resolve }));
  }

  private add(line: LogLine): void {
    this.lines.push(line);
    for (const waiter of this.waiting.filter((w) => w.message === line.message)) {
      this.waiting.splice(this.waiting.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  }
}

type DeliveryMode = 'deliver' | 'fail' | 'hold';
type EventOfKind<K extends PushEvent['kind']> = Extract<PushEvent, { readonly kind: K }>;

/**
 * A client connection that keeps the events written to it. It can be told to fail its
 * writes (resolve false: the connection closed before the write completed) or to hold
 * them until the test releases them.
 */
export class RecordingConnection implements ClientConnection {
  /** Events whose write completed, in order. */
  readonly received: PushEvent[] = [];
  readonly closeReasons: string[] = [];
  private mode: DeliveryMode = 'deliver';
  private held: Array<{ readonly event: PushEvent; readonly settle: (reached: boolean) => void }> = [];

  constructor(readonly id: string) {}

  get isClosed(): boolean {
    return this.closeReasons.length > 0;
  }

  /** From now on every write fails (resolves false). */
  failDeliveries(): void {
    this.mode = 'fail';
  }

  /** From now on writes stay in flight until `releaseHeld`. */
  holdDeliveries(): void {
    this.mode = 'hold';
  }

  /** Writes in flight complete (`true`) or find the connection closed (`false`). */
  releaseHeld(reached: boolean): void {
    const held = this.held;
    this.held = [];
    for (const { event, settle } of held) {
      if (reached) this.received.push(event);
      settle(reached);
    }
  }

  deliver(event: PushEvent): Promise<boolean> {
    if (this.isClosed || this.mode === 'fail') return Promise.resolve(false);
    if (this.mode === 'hold') return new Promise<boolean>((settle) => this.held.push({ event, settle }));
    this.received.push(event);
    return Promise.resolve(true);
  }

  close(reason: string): void {
    this.closeReasons.push(reason);
    this.releaseHeld(false);
  }

  eventsOf<K extends PushEvent['kind']>(kind: K): EventOfKind<K>[] {
    return this.received.filter((event): event is EventOfKind<K> => event.kind === kind);
  }

  /** Forgets what was received so far (after arranging a test). */
  clear(): void {
    this.received.length = 0;
  }
}

/**
 * The storage's message repository with a ledger of group deliveries on top: the port
 * has no read of them, and tests need to see which recipients are still waiting.
 */
export class GroupDeliveryLedger implements MessageRepository {
  private readonly waiting = new Map<MessageId, Set<UserId>>();

  constructor(private readonly inner: MessageRepository) {}

  saveDirect(message: NewDirectMessage): Promise<DirectMessage | DirectMessageRefusal> {
    return this.inner.saveDirect(message);
  }

  markDirectDelivered(ids: readonly MessageId[]): Promise<void> {
    return this.inner.markDirectDelivered(ids);
  }

  listUndeliveredDirect(receiverId: UserId, limit: number, afterId?: MessageId): Promise<ReceivedDirectMessage[]> {
    return this.inner.listUndeliveredDirect(receiverId, limit, afterId);
  }

  async saveGroup(message: NewGroupMessage, recipientIds: readonly UserId[]): Promise<GroupMessage> {
    const stored = await this.inner.saveGroup(message, recipientIds);
    this.waiting.set(stored.id, new Set(recipientIds));
    return stored;
  }

  async markGroupDelivered(messageId: MessageId, recipientIds: readonly UserId[]): Promise<void> {
    await this.inner.markGroupDelivered(messageId, recipientIds);
    for (const recipientId of recipientIds) this.waiting.get(messageId)?.delete(recipientId);
  }

  listUndeliveredGroup(recipientId: UserId, limit: number, afterId?: MessageId): Promise<ReceivedGroupMessage[]> {
    return this.inner.listUndeliveredGroup(recipientId, limit, afterId);
  }

  async markGroupDeliveredTo(recipientId: UserId, messageIds: readonly MessageId[]): Promise<void> {
    await this.inner.markGroupDeliveredTo(recipientId, messageIds);
    for (const id of messageIds) this.waiting.get(id)?.delete(recipientId);
  }

  async acknowledge(userId: UserId, directIds: readonly MessageId[], groupIds: readonly MessageId[]): Promise<number> {
    const changed = await this.inner.acknowledge(userId, directIds, groupIds);
    for (const id of groupIds) this.waiting.get(id)?.delete(userId);
    return changed;
  }

  /** Recipients the group message has not reached yet, by id. */
  undeliveredRecipients(messageId: MessageId): UserId[] {
    return [...(this.waiting.get(messageId) ?? [])].sort((a, b) => a - b);
  }
}

/** A logged-in connection. */
export interface Session {
  readonly user: UserRef;
  readonly connection: RecordingConnection;
  readonly sessionId: number;
}

/** The value of a result expected to succeed; a failure fails the test with its code. */
export function unwrap<T>(result: Result<T, DomainError>): T {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}`);
  return result.value;
}

/** 'OK' for a success, else the error's code: `expect(codeOf(result)).toBe('NOT_ADMIN')`. */
export function codeOf<T>(result: Result<T, DomainError>): DomainErrorCode | 'OK' {
  return result.ok ? 'OK' : result.error.code;
}

export interface FixtureOptions {
  readonly nodeId?: string;
}

export class UseCaseFixture {
  readonly clock = new FakeClock();
  readonly storage = new InMemoryStorage();
  readonly registry = new LocalConnectionRegistry();
  readonly hasher = new FakePasswordHasher();
  readonly logger = new RecordingLogger();
  readonly throttle = new InMemoryLoginThrottle({
    maxFailures: LOGIN_MAX_FAILURES,
    windowMs: LOGIN_WINDOW_MS,
    clock: this.clock,
  });
  readonly groupDeliveries: GroupDeliveryLedger;
  readonly repositories: Repositories;
  readonly useCases: ChatUseCases;
  private connectionsOpened = 0;

  constructor(options: FixtureOptions = {}) {
    const nodeId = options.nodeId ?? NODE_ID;
    const { clock, registry, hasher, throttle, logger } = this;
    const unitOfWork = this.storage.unitOfWork;
    this.groupDeliveries = new GroupDeliveryLedger(this.storage.repositories.messages);
    const repositories: Repositories = { ...this.storage.repositories, messages: this.groupDeliveries };
    this.repositories = repositories;
    this.useCases = createUseCases({
      repositories,
      unitOfWork,
      clock,
      logger,
      delivery: registry,
      presence: registry,
      hasher,
      throttle,
      nodeId,
      secrets: new RandomSecretTokens(),
    });
  }

  /** A new connection, open but not logged in. */
  connect(): RecordingConnection {
    this.connectionsOpened += 1;
    const connection = new RecordingConnection(`conn-${this.connectionsOpened}`);
    this.registry.register(connection);
    return connection;
  }

  async register(username: string, password: string = PASSWORD): Promise<UserRef> {
    const { userId } = unwrap(await this.useCases.registerUser.execute({ username, password }));
    return { id: userId, username };
  }

  /** Logs in on a new connection (or the one given). */
  async logIn(username: string, password: string = PASSWORD, connection = this.connect()): Promise<Session> {
    const result = await this.useCases.logIn.execute({
      connectionId: connection.id,
      currentUserId: null,
      username,
      password,
    });
    const { user, sessionId } = unwrap(result);
    return { user, connection, sessionId };
  }

  async registerAndLogin(username: string): Promise<Session> {
    await this.register(username);
    return this.logIn(username);
  }

  async endSession(session: Session, reason: SessionEndReason = 'logout', detail?: string): Promise<void> {
    await this.useCases.endSession.execute({
      user: session.user,
      connectionId: session.connection.id,
      sessionId: session.sessionId,
      reason,
      detail,
    });
  }

  /** `from` asks, `to` accepts. */
  async befriend(from: UserRef, to: UserRef): Promise<void> {
    const { requestId } = unwrap(
      await this.useCases.sendFriendRequest.execute({ sender: from, targetUsername: to.username }),
    );
    unwrap(await this.useCases.answerFriendRequest.execute({ user: to, requestId, answer: 'accept' }));
  }

  async friendNames(user: UserRef): Promise<string[]> {
    return (await this.useCases.getFriendList.execute({ userId: user.id })).map((f) => f.username);
  }

  async createGroup(admin: UserRef, name = 'Team'): Promise<GroupId> {
    return unwrap(await this.useCases.createGroup.execute({ userId: admin.id, name })).groupId;
  }

  /** The admin adds each user, in order, at the current time. */
  async addMembers(groupId: GroupId, admin: UserRef, ...users: UserRef[]): Promise<void> {
    for (const user of users) {
      unwrap(await this.useCases.addToGroup.execute({ actorId: admin.id, groupId, userId: user.id }));
    }
  }

  members(groupId: GroupId): Promise<GroupMember[]> {
    return this.storage.repositories.groups.listMembers(groupId);
  }

  async roleOf(groupId: GroupId, user: UserRef): Promise<GroupMember['role'] | null> {
    return (await this.storage.repositories.groups.findMember(groupId, user.id))?.role ?? null;
  }

  /** The activity log, optionally only one action, oldest first. */
  activity(action?: ActivityAction): ActivityEntry[] {
    return this.storage.activityEntries().filter((entry) => action === undefined || entry.action === action);
  }
}

export function makeFixture(options: FixtureOptions = {}): UseCaseFixture {
  return new UseCaseFixture(options);
}
