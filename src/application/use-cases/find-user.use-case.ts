import { DomainErrors, Username, fail, ok, type DomainError, type Result, type UserRef } from '../../domain';
import type { Repositories } from '../ports';

/** A name to a user (looked up case-insensitively), so clients can address people by name. */
export class FindUser {
  constructor(private readonly repositories: Repositories) {}

  async execute(input: { readonly username: string }): Promise<Result<UserRef, DomainError>> {
    const username = Username.create(input.username);
    if (!username.ok) return username;
    const account = await this.repositories.accounts.findByUsername(username.value.value);
    return account ? ok({ id: account.id, username: account.username }) : fail(DomainErrors.userNotFound());
  }
}
