import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SecretTokens } from '../../application/ports';

/** 32 random bytes in base64url: 43 characters of `A–Z a–z 0–9 - _`. */
const TOKEN_BYTES = 32;
const TOKEN_FORM = /^[A-Za-z0-9_-]{43}$/;

/** Session tokens from the system's CSPRNG, stored as SHA-256. */
export class RandomSecretTokens implements SecretTokens {
  generate(): string {
    return randomBytes(TOKEN_BYTES).toString('base64url');
  }

  isWellFormed(token: string): boolean {
    return TOKEN_FORM.test(token);
  }

  hash(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex');
  }

  sameHash(a: string, b: string): boolean {
    const x = Buffer.from(a, 'utf8');
    const y = Buffer.from(b, 'utf8');
    return x.length === y.length && timingSafeEqual(x, y);
  }
}
