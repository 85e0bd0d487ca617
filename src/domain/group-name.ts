import { DomainErrors, type DomainError } from './domain-error';
import { fail, ok, type Result } from './result';
import { codePointLength, hasControlCharacter, trimWhitespace } from './text-rules';

/** A group name: trimmed, then 1–64 characters with no control character. Stored trimmed. */
export class GroupName {
  static readonly MAX = 64;

  private constructor(readonly value: string) {}

  static create(raw: string): Result<GroupName, DomainError> {
    const trimmed = trimWhitespace(raw);
    const length = codePointLength(trimmed);
    if (length < 1 || length > GroupName.MAX || hasControlCharacter(trimmed)) {
      return fail(DomainErrors.invalidInput('Invalid name'));
    }
    return ok(new GroupName(trimmed));
  }
}
