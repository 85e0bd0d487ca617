import type { Timestamp, UserId } from './ids';

export type AccountStatus = 'active' | 'banned';

/** A registered user. The password is only ever held as its hash. */
export class Account {
  private constructor(
    readonly id: UserId,
    readonly username: string,
    readonly passwordHash: string,
    readonly status: AccountStatus,
    readonly createdAt: Timestamp,
  ) {}

  static restore(props: {
    id: UserId;
    username: string;
    passwordHash: string;
    status: AccountStatus;
    createdAt: Timestamp;
  }): Account {
    return new Account(props.id, props.username, props.passwordHash, props.status, props.createdAt);
  }

  get isBanned(): boolean {
    return this.status === 'banned';
  }
}

/** What registration stores; the repository gives it an id. */
export interface NewAccount {
  readonly username: string;
  readonly passwordHash: string;
  readonly createdAt: Timestamp;
}

/** A user as others see them. */
export interface UserRef {
  readonly id: UserId;
  readonly username: string;
}

export type PresenceStatus = 'online' | 'offline';
