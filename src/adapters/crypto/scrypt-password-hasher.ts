import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { PasswordHasher } from '../../application/ports';
import { Semaphore } from './semaphore';

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** Production default: about 0.33 s per hash on a 2-core machine, 64 MiB per call. */
export const DEFAULT_SCRYPT_COST: ScryptCost = Object.freeze({ N: 2 ** 16, r: 8, p: 2 });

/** Deliberately weak and fast. Only for tests and benchmarks, never for real accounts. */
export const TEST_SCRYPT_COST: ScryptCost = Object.freeze({ N: 2 ** 10, r: 8, p: 1 });

export interface ScryptPasswordHasherOptions {
  cost?: ScryptCost;
  /**
   * Concurrent scrypt calls (default: `defaultHashConcurrency()`); keep below libuv's
   * pool size (4 unless UV_THREADPOOL_SIZE says otherwise) so other I/O still gets threads.
   */
  maxConcurrent?: number;
}

/** libuv's thread pool size, as Node reads it at start. */
function libuvPoolSize(): number {
  const configured = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(configured) && configured > 0 ? configured : 4;
}

/**
 * One hash per core but one, so a storm of logins cannot take every core from the
 * event loop (each scrypt call keeps one core busy for its whole run), and one pool
 * thread always stays free for other work. At least 1.
 */
export function defaultHashConcurrency(cores = availableParallelism(), poolSize = libuvPoolSize()): number {
  return Math.max(1, Math.min(cores - 1, poolSize - 1));
}

const PREFIX = 'scrypt';
const SALT_BYTES = 16;
const KEY_BYTES = 32;
const MAXMEM_HEADROOM = 1024 * 1024;

// Bounds for parameters read back from storage: a corrupted or hostile hash must not
// make us allocate gigabytes or spin for minutes.
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEMORY_BYTES = 512 * 1024 * 1024;
const MIN_STORED_BYTES = 8;
const MAX_STORED_BYTES = 64;

// Used when the account does not exist, so that answer costs as much as a wrong password.
const DUMMY_SALT = Buffer.from('tcp-chat-dummy-salt-for-timing', 'utf8').subarray(0, SALT_BYTES);

const DECIMAL = /^[1-9][0-9]{0,9}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

interface ParsedHash {
  readonly cost: ScryptCost;
  readonly salt: Buffer;
  readonly key: Buffer;
}

/** Why the parameters are unusable, or null when scrypt (and our bounds) accept them. */
function costProblem({ N, r, p }: ScryptCost): string | null {
  if (!Number.isInteger(N) || N < 2 || N > MAX_N || (N & (N - 1)) !== 0) {
    return `N must be a power of two between 2 and ${MAX_N}`;
  }
  if (!Number.isInteger(r) || r < 1 || r > MAX_R) return `r must be an integer between 1 and ${MAX_R}`;
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) return `p must be an integer between 1 and ${MAX_P}`;
  // OpenSSL's rule: N < 2^(128 * r / 8).
  if (16 * r < 64 && N >= 2 ** (16 * r)) return 'N is too large for this r';
  if (128 * N * r > MAX_MEMORY_BYTES) return 'N * r needs too much memory';
  return null;
}

function maxmemFor({ N, r, p }: ScryptCost): number {
  return 128 * N * r * p + MAXMEM_HEADROOM;
}

function decodeBase64(text: string): Buffer | null {
  if (!BASE64.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  // Buffer.from ignores junk; the round trip rejects anything that is not canonical.
  if (bytes.toString('base64') !== text) return null;
  if (bytes.length < MIN_STORED_BYTES || bytes.length > MAX_STORED_BYTES) return null;
  return bytes;
}

function parseStoredHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  if (parts.length !== 6) return null;
  const [prefix, nText, rText, pText, saltText, keyText] = parts;
  if (prefix !== PREFIX) return null;
  if (!DECIMAL.test(nText) || !DECIMAL.test(rText) || !DECIMAL.test(pText)) return null;
  const cost: ScryptCost = { N: Number(nText), r: Number(rText), p: Number(pText) };
  if (costProblem(cost) !== null) return null;
  const salt = decodeBase64(saltText);
  const key = decodeBase64(keyText);
  if (salt === null || key === null) return null;
  return { cost, salt, key };
}

function deriveKey(password: string, salt: Buffer, keyLength: number, cost: ScryptCost): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, keyLength, { ...cost, maxmem: maxmemFor(cost) }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/**
 * Stores `scrypt$N$r$p$saltBase64$keyBase64`, so the cost can be raised later and old
 * hashes still verify with the parameters they were made with.
 */
export class ScryptPasswordHasher implements PasswordHasher {
  private readonly cost: ScryptCost;
  private readonly semaphore: Semaphore;

  constructor(options: ScryptPasswordHasherOptions = {}) {
    const cost = options.cost ?? DEFAULT_SCRYPT_COST;
    const problem = costProblem(cost);
    if (problem !== null) throw new RangeError(`Invalid scrypt cost: ${problem}`);
    this.cost = { N: cost.N, r: cost.r, p: cost.p };
    this.semaphore = new Semaphore(options.maxConcurrent ?? defaultHashConcurrency());
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await this.derive(password, salt, KEY_BYTES, this.cost);
    const { N, r, p } = this.cost;
    return [PREFIX, N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
  }

  async verify(password: string, storedHash: string | null): Promise<boolean> {
    if (storedHash === null) {
      const key = await this.derive(password, DUMMY_SALT, KEY_BYTES, this.cost);
      // Compare anyway so the unknown-account path does the same work as a real one.
      timingSafeEqual(key, Buffer.alloc(KEY_BYTES));
      return false;
    }
    const parsed = parseStoredHash(storedHash);
    if (parsed === null) return false;
    const key = await this.derive(password, parsed.salt, parsed.key.length, parsed.cost);
    return timingSafeEqual(key, parsed.key);
  }

  private derive(password: string, salt: Buffer, keyLength: number, cost: ScryptCost): Promise<Buffer> {
    return this.semaphore.run(() => deriveKey(password, salt, keyLength, cost));
  }
}
