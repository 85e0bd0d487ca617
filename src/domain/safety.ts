import { DomainErrors, type DomainError } from './domain-error';
import type { Timestamp, UserId } from './ids';
import { fail, ok, type Result } from './result';
import { isOnlyWhitespace, utf8ByteLength } from './text-rules';

/**
 * Who may send a user direct messages (PROTOCOL.md §10): anyone (the seed's
 * behaviour), or only their friends. Friend requests stay open to anyone either way.
 */
export type Privacy = 'everyone' | 'friends';

export const PRIVACY_SETTINGS: readonly Privacy[] = ['everyone', 'friends'];

export function parsePrivacy(text: string): Privacy | null {
  return text === 'everyone' || text === 'friends' ? text : null;
}

/** Why a user reports another: 1–1,000 bytes of UTF-8, not only whitespace, kept as written. */
export class ReportReason {
  static readonly MAX_BYTES = 1000;

  private constructor(readonly value: string) {}

  static create(raw: string): Result<ReportReason, DomainError> {
    if (raw.length === 0 || isOnlyWhitespace(raw)) return fail(DomainErrors.invalidInput('Empty reason'));
    if (utf8ByteLength(raw) > ReportReason.MAX_BYTES) return fail(DomainErrors.invalidInput('Reason too long'));
    return ok(new ReportReason(raw));
  }
}

/** A report as it is stored: for the operator, never shown to the reported user. */
export interface NewReport {
  readonly reporterId: UserId;
  readonly reportedId: UserId;
  readonly reason: string;
  readonly createdAt: Timestamp;
}

/** Why a direct message was not stored: no such receiver, or a block or the receiver's privacy stands in between. */
export type DirectMessageRefusal = 'receiver-not-found' | 'not-allowed';
