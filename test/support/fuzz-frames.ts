import { FRAME_HEADER_SIZE } from '../../src/adapters/protocol/frame-decoder';
import { joinFields } from '../../src/adapters/protocol/fields';

/**
 * Random and mutated frames for fuzzing a live server, from a seeded generator so a
 * failing run can be replayed (the seed is printed). Frames are built by hand here,
 * not with the server's encoder: a malformed header must be expressible.
 */

export type Random = () => number;

/** mulberry32: a small, fast, seeded PRNG. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(random: Random, maxExclusive: number): number {
  return Math.floor(random() * maxExclusive);
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[randomInt(random, items.length)]!;
}

function randomBytes(random: Random, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = randomInt(random, 256);
  return bytes;
}

/** A frame with a header that tells the truth about its payload. */
export function rawFrame(type: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.alloc(FRAME_HEADER_SIZE);
  header.writeUInt16BE(type & 0xffff, 0);
  header.writeUInt32BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function header(type: number, length: number): Buffer {
  const bytes = Buffer.alloc(FRAME_HEADER_SIZE);
  bytes.writeUInt16BE(type & 0xffff, 0);
  bytes.writeUInt32BE(length >>> 0, 2);
  return bytes;
}

/** Byte sequences that are not UTF-8: stray continuation bytes, overlongs, surrogates, truncations, out of range. */
const INVALID_UTF8: readonly number[][] = [
  [0xff],
  [0xfe, 0xff],
  [0x80],
  [0xbf, 0x80],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
];

const TEXT_PIECES: readonly string[] = [
  'hello',
  ' ',
  '\t',
  '\u00a0',
  '\u2028',
  '|',
  '\\',
  '\\|',
  '\\\\',
  '😀',
  '👩‍👩‍👧',
  'é',
  'e\u0301',
  '\u0000',
  '\u0007',
  '\u001b[2J',
  '\u202e',
  '\ufeff',
  '\ud800',
  'DROP TABLE accounts; --',
  "' OR 1=1 --",
  '%s%n',
  '{"x":1}',
  '\r\n',
];

function randomText(random: Random, maxPieces: number): string {
  let text = '';
  const pieces = randomInt(random, maxPieces + 1);
  for (let i = 0; i < pieces; i++) {
    const r = random();
    if (r < 0.6) text += pick(random, TEXT_PIECES);
    else if (r < 0.9) text += String.fromCodePoint(randomInt(random, 0x10ffff + 1));
    else text += 'x'.repeat(randomInt(random, 3000));
  }
  return text;
}

const ID_LIKE: readonly string[] = [
  '0',
  '1',
  '2',
  '3',
  '5',
  '8',
  '13',
  '-1',
  '01',
  '1.5',
  '1e3',
  '0x10',
  ' 1',
  '1 ',
  '',
  '9007199254740991',
  '9007199254740992',
  '99999999999999999999',
  'NaN',
  'null',
];

function randomId(random: Random): string {
  return random() < 0.6 ? String(1 + randomInt(random, 40)) : pick(random, ID_LIKE);
}

function randomName(random: Random): string {
  const r = random();
  if (r < 0.5) {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-';
    let name = '';
    const length = 1 + randomInt(random, 40);
    for (let i = 0; i < length; i++) name += alphabet[randomInt(random, alphabet.length)];
    return name;
  }
  if (r < 0.7) return `fuzz${randomInt(random, 20)}`;
  return randomText(random, 4);
}

/** A payload shaped like the command's (its fields in order), with values anywhere from plausible to absurd. */
function plausiblePayload(random: Random, type: number): string {
  const text = (): string => randomText(random, 6);
  switch (type) {
    case 1000:
    case 1001:
      return `${randomName(random)}|${random() < 0.5 ? 'password123' : text()}`;
    case 1003:
      return `${randomId(random)}|${text()}`;
    case 1004:
      return `${randomId(random)}|${text()}`;
    case 1005:
    case 1020:
      return randomName(random);
    case 1006:
    case 1007:
    case 1008:
    case 1013:
    case 1017:
      return randomId(random);
    case 1010:
      return text();
    case 1011:
    case 1012:
      return `${randomId(random)}|${randomId(random)}`;
    default:
      return random() < 0.7 ? '' : text();
  }
}

/** Any number of fields of any kind, escaped or not. */
function fieldSoup(random: Random): string {
  const fields: string[] = [];
  const count = randomInt(random, 7);
  for (let i = 0; i < count; i++) {
    const r = random();
    fields.push(r < 0.3 ? randomId(random) : r < 0.5 ? randomName(random) : randomText(random, 5));
  }
  return random() < 0.5 ? joinFields(fields) : fields.join('|');
}

function commandType(random: Random): number {
  return 1000 + randomInt(random, 21);
}

/** Largest payload of a frame meant to be read: what a server takes before LOGIN (and after LOGOUT). */
export const MAX_READ_PAYLOAD = 4096;

/** A frame the server reads whole (the payload cut to fit, which may split a character: that is fuzz too). */
function readableFrame(type: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return rawFrame(type, body.subarray(0, MAX_READ_PAYLOAD));
}

function validFrame(random: Random): Buffer {
  const type = commandType(random);
  return readableFrame(type, random() < 0.6 ? plausiblePayload(random, type) : fieldSoup(random));
}

/**
 * Items that keep the stream in step: each is one whole frame of at most
 * MAX_READ_PAYLOAD bytes, so the server owes exactly one reply for each.
 */
export const INTACT_KINDS = ['plausible', 'field-soup', 'flipped-bits', 'random-type', 'server-type', 'invalid-utf8'] as const;
/** Items after which the stream cannot be read in step any more: the server closes, or waits for bytes that never make sense. */
export const BREAKING_KINDS = ['flipped-length', 'truncated-header', 'truncated-body', 'oversize', 'random-bytes'] as const;
export const FUZZ_KINDS = [...INTACT_KINDS, ...BREAKING_KINDS] as const;
export type IntactKind = (typeof INTACT_KINDS)[number];
export type BreakingKind = (typeof BREAKING_KINDS)[number];
export type FuzzKind = IntactKind | BreakingKind;

const INTACT_WEIGHTS: Readonly<Record<IntactKind, number>> = {
  plausible: 40,
  'field-soup': 20,
  'flipped-bits': 15,
  'random-type': 8,
  'server-type': 5,
  'invalid-utf8': 12,
};

function weighted<K extends string>(random: Random, weights: Readonly<Record<K, number>>): K {
  const kinds = Object.keys(weights) as K[];
  let r = random() * kinds.reduce((sum, kind) => sum + weights[kind], 0);
  for (const kind of kinds) {
    r -= weights[kind];
    if (r < 0) return kind;
  }
  return kinds[0]!;
}

/** One whole frame, well-formed or not inside, that the server must read and answer once. */
export function intactFrame(random: Random): { kind: IntactKind; bytes: Buffer } {
  const kind = weighted(random, INTACT_WEIGHTS);
  switch (kind) {
    case 'plausible': {
      const type = commandType(random);
      return { kind, bytes: readableFrame(type, plausiblePayload(random, type)) };
    }
    case 'field-soup':
      return { kind, bytes: readableFrame(commandType(random), fieldSoup(random)) };
    case 'flipped-bits': {
      // Bits flipped in the TYPE or the payload; the LENGTH is left alone, so the stream stays in step.
      const bytes = validFrame(random);
      const flips = 1 + randomInt(random, 4);
      for (let i = 0; i < flips; i++) {
        const inType = random() < 0.4 || bytes.length === FRAME_HEADER_SIZE;
        const at = inType ? randomInt(random, 2) : FRAME_HEADER_SIZE + randomInt(random, bytes.length - FRAME_HEADER_SIZE);
        bytes[at] = bytes[at]! ^ (1 << randomInt(random, 8));
      }
      return { kind, bytes };
    }
    case 'random-type':
      return {
        kind,
        bytes: readableFrame(randomInt(random, 0x10000), random() < 0.5 ? fieldSoup(random) : randomBytes(random, randomInt(random, 64))),
      };
    case 'server-type':
      return { kind, bytes: readableFrame(2000 + randomInt(random, 13), fieldSoup(random)) };
    case 'invalid-utf8': {
      const bad = Buffer.from(pick(random, INVALID_UTF8));
      const before = Buffer.from(plausiblePayload(random, 1003).slice(0, 50), 'utf8');
      const after = Buffer.from(randomText(random, 2).slice(0, 50), 'utf8');
      return { kind, bytes: readableFrame(commandType(random), Buffer.concat([before, bad, after])) };
    }
  }
}

/** Bytes that put the stream out of step: a changed LENGTH, a cut header or body, an oversize announcement, noise. */
export function breakingItem(random: Random): { kind: BreakingKind; bytes: Buffer } {
  const kind = pick(random, BREAKING_KINDS);
  switch (kind) {
    case 'flipped-length': {
      const bytes = validFrame(random);
      const at = 2 + randomInt(random, 4);
      bytes[at] = bytes[at]! ^ (1 << randomInt(random, 8));
      return { kind, bytes };
    }
    case 'truncated-header':
      return { kind, bytes: header(commandType(random), randomInt(random, 100)).subarray(0, 1 + randomInt(random, FRAME_HEADER_SIZE - 1)) };
    case 'truncated-body': {
      const whole = validFrame(random);
      return { kind, bytes: whole.subarray(0, FRAME_HEADER_SIZE + randomInt(random, Math.max(1, whole.length - FRAME_HEADER_SIZE))) };
    }
    case 'oversize': {
      const length = pick(random, [4097, 65537, 1 << 20, 0x7fffffff, 0xffffffff, 4097 + randomInt(random, 0xfff00000)]);
      return { kind, bytes: header(random() < 0.8 ? commandType(random) : randomInt(random, 0x10000), length) };
    }
    case 'random-bytes':
      return { kind, bytes: randomBytes(random, 1 + randomInt(random, 300)) };
  }
}
