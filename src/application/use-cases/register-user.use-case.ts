import { DomainErrors, Password, Username, fail, ok, type DomainError, type Result, type UserId } from '../../domain';
import type { Clock, PasswordHasher, Repositories, UnitOfWork } from '../ports';

export interface RegisterUserInput {
  readonly username: string;
  readonly password: string;
}

export class RegisterUser {
  constructor(
    private readonly repositories: Repositories,
    private readonly unitOfWork: UnitOfWork,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
  ) {}

  async execute(input: RegisterUserInput): Promise<Result<{ userId: UserId }, DomainError>> {
    const username = Username.create(input.username);
    if (!username.ok) return username;
    const password = Password.create(input.password);
    if (!password.ok) return password;
    // Spare the hash when the name is visibly taken; the database still decides races.
    if (await this.repositories.accounts.findByUsername(username.value.value)) return fail(DomainErrors.usernameTaken());
    const passwordHash = await this.hasher.hash(password.value.value);
    return this.unitOfWork.run(async (tx) => {
      const now = this.clock.now();
      const account = await tx.accounts.create({ username: username.value.value, passwordHash, createdAt: now });
      if (account === 'username-taken') return fail(DomainErrors.usernameTaken());
      await tx.activity.record({ userId: account.id, action: 'register', detail: null, at: now });
      return ok({ userId: account.id });
    });
  }
}
