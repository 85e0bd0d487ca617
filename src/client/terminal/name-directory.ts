/**
 * What the terminal client has learned about names: users (from pushes, lists and
 * FIND_USER), groups, and who sent which friend request. Usernames are unique ignoring
 * case and never change, so what is learned stays true.
 */
export class NameDirectory {
  private readonly idsByName = new Map<string, number>();
  private readonly namesById = new Map<number, string>();
  private readonly groupNames = new Map<number, string>();
  private readonly requestSenders = new Map<number, string>();

  rememberUser(id: number, username: string): void {
    this.idsByName.set(username.toLowerCase(), id);
    this.namesById.set(id, username);
  }

  /** The id of a username, ignoring case, if known. */
  idOf(username: string): number | undefined {
    return this.idsByName.get(username.toLowerCase());
  }

  nameOf(userId: number): string | undefined {
    return this.namesById.get(userId);
  }

  /** `alice`, or `#7` when the name is not known. */
  userLabel(userId: number): string {
    return this.namesById.get(userId) ?? `#${userId}`;
  }

  rememberGroup(groupId: number, name: string): void {
    this.groupNames.set(groupId, name);
  }

  groupName(groupId: number): string | undefined {
    return this.groupNames.get(groupId);
  }

  rememberRequest(requestId: number, senderUsername: string): void {
    this.requestSenders.set(requestId, senderUsername);
  }

  requestSender(requestId: number): string | undefined {
    return this.requestSenders.get(requestId);
  }
}
