import type { ChatClient } from '../../../src/client/chat-client';
import type { ChatClientEvents } from '../../../src/client/events';

type EventName = keyof ChatClientEvents;
type EventValue<K extends EventName> = ChatClientEvents[K][0];

interface Waiter<K extends EventName> {
  readonly match: (value: EventValue<K>) => boolean;
  readonly resolve: (value: EventValue<K>) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Records one kind of event of a client, so a test can await the next one (already
 * received or still to come). A wait fails after `timeoutMs` with a message naming
 * what was expected, instead of hanging until Jest's timeout.
 */
export class EventQueue<K extends EventName> {
  private readonly seen: EventValue<K>[] = [];
  private readonly waiters: Waiter<K>[] = [];

  constructor(
    private readonly event: K,
    private readonly timeoutMs = 5000,
  ) {}

  /** The listener to register with `client.on(event, queue.listener)`. */
  readonly listener = (value: EventValue<K>): void => {
    const index = this.waiters.findIndex((w) => w.match(value));
    if (index < 0) {
      this.seen.push(value);
      return;
    }
    const [waiter] = this.waiters.splice(index, 1);
    clearTimeout(waiter!.timer);
    waiter!.resolve(value);
  };

  /** Everything received and not yet taken. */
  get pending(): readonly EventValue<K>[] {
    return this.seen;
  }

  next(match: (value: EventValue<K>) => boolean = () => true): Promise<EventValue<K>> {
    const index = this.seen.findIndex(match);
    if (index >= 0) return Promise.resolve(this.seen.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no "${this.event}" event within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const waiter: Waiter<K> = { match, resolve, reject, timer };
      this.waiters.push(waiter);
    });
  }
}

/** Every push event of one client, and its connection events, each in its own queue. */
export function recordEvents(client: ChatClient, timeoutMs?: number) {
  const log = {
    message: new EventQueue('message', timeoutMs),
    groupMessage: new EventQueue('groupMessage', timeoutMs),
    friendRequest: new EventQueue('friendRequest', timeoutMs),
    presence: new EventQueue('presence', timeoutMs),
    friendRequestAccepted: new EventQueue('friendRequestAccepted', timeoutMs),
    membershipChanged: new EventQueue('membershipChanged', timeoutMs),
    read: new EventQueue('read', timeoutMs),
    unexpectedFrame: new EventQueue('unexpectedFrame', timeoutMs),
    // Reliable mode.
    disconnected: new EventQueue('disconnected', timeoutMs),
    reconnecting: new EventQueue('reconnecting', timeoutMs),
    reconnected: new EventQueue('reconnected', timeoutMs),
    reconnectFailed: new EventQueue('reconnectFailed', timeoutMs),
    close: new EventQueue('close', timeoutMs),
  };
  client.on('message', log.message.listener);
  client.on('groupMessage', log.groupMessage.listener);
  client.on('friendRequest', log.friendRequest.listener);
  client.on('presence', log.presence.listener);
  client.on('friendRequestAccepted', log.friendRequestAccepted.listener);
  client.on('membershipChanged', log.membershipChanged.listener);
  client.on('read', log.read.listener);
  client.on('unexpectedFrame', log.unexpectedFrame.listener);
  client.on('disconnected', log.disconnected.listener);
  client.on('reconnecting', log.reconnecting.listener);
  client.on('reconnected', log.reconnected.listener);
  client.on('reconnectFailed', log.reconnectFailed.listener);
  client.on('close', log.close.listener);
  return log;
}

export type EventLog = ReturnType<typeof recordEvents>;
