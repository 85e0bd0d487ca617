import { Account, Username, type AccountStatus, type NewAccount } from '../../../../domain';
import type { AccountRecord } from '../schemas';

export const AccountMapper = {
  toDomain(record: AccountRecord): Account {
    return Account.restore({
      id: record.id,
      username: record.username,
      passwordHash: record.passwordHash,
      status: accountStatus(record.status),
      createdAt: Number(record.createdAt),
    });
  },

  toPersistence(account: NewAccount): Omit<AccountRecord, 'id'> {
    return {
      username: account.username,
      usernameKey: Username.keyOf(account.username),
      passwordHash: account.passwordHash,
      status: 'active',
      createdAt: account.createdAt,
    };
  },
};

function accountStatus(stored: string): AccountStatus {
  if (stored === 'active' || stored === 'banned') return stored;
  throw new Error(`Unknown account status in storage: ${stored}`);
}
