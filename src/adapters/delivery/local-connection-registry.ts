import type { UserId } from '../../domain';
import type { Delivery, Presence, PushEvent } from '../../application/ports';

/** A client connection as the registry sees it, whatever carries it (TCP, a test double, ...). */
export interface ClientConnection {
  readonly id: string;
  /** Writes the event out; resolves true once it has left the process, false if the connection closed first. */
  deliver(event: PushEvent): Promise<boolean>;
  /** Closes the connection; its logged-in session ends as a disconnect. */
  close(reason: string): void;
}

/**
 * Presence and delivery within one process: which connections are open, which of
 * them are logged in as whom, and pushing events to them.
 */
export class LocalConnectionRegistry implements Presence, Delivery {
  private readonly connections = new Map<string, ClientConnection>();
  private readonly byUser = new Map<UserId, Map<string, ClientConnection>>();

  /** A connection opened (not logged in yet). */
  register(connection: ClientConnection): void {
    this.connections.set(connection.id, connection);
  }

  /** A connection closed; call after its session has been ended. */
  unregister(connectionId: string): void {
    this.connections.delete(connectionId);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Users with at least one logged-in connection here (in a cluster: on this node). */
  get userCount(): number {
    return this.byUser.size;
  }

  /** Every open connection, logged in or not. */
  openConnections(): ClientConnection[] {
    return [...this.connections.values()];
  }

  /** Every logged-in connection: its user and id. */
  *loggedInConnections(): IterableIterator<[UserId, string]> {
    for (const [userId, mine] of this.byUser) for (const connectionId of mine.keys()) yield [userId, connectionId];
  }

  async attach(userId: UserId, connectionId: string): Promise<{ readonly first: boolean }> {
    const connection = this.connections.get(connectionId);
    if (!connection) throw new Error(`unknown connection ${connectionId}`);
    let mine = this.byUser.get(userId);
    if (!mine) this.byUser.set(userId, (mine = new Map()));
    mine.set(connectionId, connection);
    return { first: mine.size === 1 };
  }

  async detach(userId: UserId, connectionId: string): Promise<{ readonly last: boolean }> {
    const mine = this.byUser.get(userId);
    if (!mine?.delete(connectionId)) return { last: false };
    if (mine.size > 0) return { last: false };
    this.byUser.delete(userId);
    return { last: true };
  }

  async isOnline(userId: UserId): Promise<boolean> {
    return this.byUser.has(userId);
  }

  async onlineAmong(userIds: readonly UserId[]): Promise<ReadonlySet<UserId>> {
    const online = new Set<UserId>();
    for (const id of userIds) if (this.byUser.has(id)) online.add(id);
    return online;
  }

  async onlineUsers(): Promise<UserId[]> {
    return [...this.byUser.keys()];
  }

  push(userId: UserId, event: PushEvent): Promise<boolean> {
    const mine = this.byUser.get(userId);
    if (!mine) return Promise.resolve(false);
    if (mine.size === 1) {
      for (const connection of mine.values()) return connection.deliver(event).catch(() => false);
    }
    // Delivered as soon as one connection has it; undelivered only when all fail.
    return new Promise<boolean>((resolve) => {
      let waiting = mine.size;
      for (const connection of mine.values()) {
        connection.deliver(event).then(
          (reached) => (reached ? resolve(true) : --waiting === 0 && resolve(false)),
          () => --waiting === 0 && resolve(false),
        );
      }
    });
  }

  async disconnectUser(userId: UserId): Promise<void> {
    for (const connection of [...(this.byUser.get(userId)?.values() ?? [])]) connection.close('banned');
  }
}
