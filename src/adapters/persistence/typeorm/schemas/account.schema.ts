import { EntitySchema } from 'typeorm';
import { generatedId, millis, varchar, type StoredBigInt } from './columns';

export interface AccountRecord {
  id: number;
  username: string;
  /** The username lower-cased: the unique index on it makes names unique in any letter case. */
  usernameKey: string;
  passwordHash: string;
  status: string;
  createdAt: StoredBigInt;
  /** Who may send direct messages (PROTOCOL.md §10); the database's default, `everyone`, on a new account. */
  privacy?: string;
}

export const AccountSchema = new EntitySchema<AccountRecord>({
  name: 'Account',
  tableName: 'accounts',
  columns: {
    id: generatedId(),
    username: varchar('username', 32),
    usernameKey: varchar('username_key', 32),
    passwordHash: varchar('password_hash', 255),
    status: varchar('status', 16, { default: 'active' }),
    createdAt: millis('created_at'),
    privacy: varchar('privacy', 16, { default: 'everyone' }),
  },
  uniques: [{ name: 'UQ_accounts_username_key', columns: ['usernameKey'] }],
  checks: [
    { name: 'CHK_accounts_status', expression: `status IN ('active', 'banned')` },
    { name: 'CHK_accounts_privacy', expression: `privacy IN ('everyone', 'friends')` },
  ],
});
