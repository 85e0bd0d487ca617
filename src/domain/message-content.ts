import { DomainErrors, type DomainError } from './domain-error';
import { fail, ok, type Result } from './result';
import { isOnlyWhitespace, utf8ByteLength } from './text-rules';

/** Message text: 1–4,096 bytes of UTF-8, not only whitespace. */
export class MessageContent {
  static readonly MAX_BYTES = 4096;

  private constructor(readonly value: string) {}

  static create(raw: string): Result<MessageContent, DomainError> {
    if (raw.length === 0 || isOnlyWhitespace(raw)) return fail(DomainErrors.invalidInput('Empty message'));
    if (utf8ByteLength(raw) > MessageContent.MAX_BYTES) {
      return fail(DomainErrors.invalidInput('Message too long'));
    }
    return ok(new MessageContent(raw));
  }
}
