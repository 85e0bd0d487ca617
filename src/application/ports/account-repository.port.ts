import type { Account, AccountStatus, NewAccount, UserId } from '../../domain';

export interface AccountRepository {
  /** Stores a new account; `'username-taken'` when the name exists in any letter case. */
  create(account: NewAccount): Promise<Account | 'username-taken'>;
  findById(id: UserId): Promise<Account | null>;
  /** Case-insensitive look-up. */
  findByUsername(username: string): Promise<Account | null>;
  setStatus(id: UserId, status: AccountStatus): Promise<void>;
  /** Those of the given users whose accounts are banned. */
  filterBanned(ids: readonly UserId[]): Promise<UserId[]>;
}
