import { DomainErrors, type DomainError } from './domain-error';
import { fail, ok, type Result } from './result';
import { codePointLength } from './text-rules';

const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;

/** A username as registered: 3–32 of `A–Z a–z 0–9 _ . -`, unique case-insensitively. */
export class Username {
  private constructor(readonly value: string) {}

  static create(raw: string): Result<Username, DomainError> {
    return USERNAME.test(raw) ? ok(new Username(raw)) : fail(DomainErrors.invalidInput('Invalid username'));
  }

  /** The form uniqueness and look-ups use. Usernames are ASCII, so lower-casing is exact. */
  get key(): string {
    return Username.keyOf(this.value);
  }

  static keyOf(raw: string): string {
    return raw.toLowerCase();
  }
}

/** A password as typed: 8–128 characters, any text. */
export class Password {
  static readonly MIN = 8;
  static readonly MAX = 128;

  private constructor(readonly value: string) {}

  static create(raw: string): Result<Password, DomainError> {
    const length = codePointLength(raw);
    return length >= Password.MIN && length <= Password.MAX
      ? ok(new Password(raw))
      : fail(DomainErrors.invalidInput('Invalid password'));
  }
}
