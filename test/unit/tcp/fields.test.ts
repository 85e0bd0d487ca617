import {
  escapeField,
  joinFields,
  splitFields,
  splitFieldsWithFreeText,
} from '../../../src/adapters/protocol/fields';

/** mulberry32: small deterministic PRNG so failures are reproducible. */
function makeRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('escapeField', () => {
  it('returns the same string when there is nothing to escape', () => {
    expect(escapeField('hello world 😀')).toBe('hello world 😀');
    expect(escapeField('')).toBe('');
  });

  it('escapes backslash and pipe', () => {
    expect(escapeField('a|b')).toBe('a\\|b');
    expect(escapeField('a\\b')).toBe('a\\\\b');
    expect(escapeField('\\|')).toBe('\\\\\\|');
    expect(escapeField('||')).toBe('\\|\\|');
  });
});

describe('joinFields', () => {
  it('joins with pipes, escaping strings and writing numbers as decimals', () => {
    expect(joinFields([200, 'a|b', 'c\\d', 7])).toBe('200|a\\|b|c\\\\d|7');
  });

  it('writes a list reply as one flat payload', () => {
    expect(joinFields([2, 7, 'alice', 'online', 9, 'bob', 'offline'])).toBe('2|7|alice|online|9|bob|offline');
  });

  it('handles no fields and empty fields', () => {
    expect(joinFields([])).toBe('');
    expect(joinFields(['', ''])).toBe('|');
  });
});

describe('splitFields', () => {
  it('splits on unescaped pipes', () => {
    expect(splitFields('alice|secret123')).toEqual(['alice', 'secret123']);
  });

  it('treats an empty payload as one empty field', () => {
    expect(splitFields('')).toEqual(['']);
  });

  it('keeps empty fields at either end and in between', () => {
    expect(splitFields('|a||')).toEqual(['', 'a', '', '']);
  });

  it('unescapes \\| and \\\\', () => {
    expect(splitFields('a\\|b|c\\\\d')).toEqual(['a|b', 'c\\d']);
  });

  it('reads \\\\| as a literal backslash followed by a separator', () => {
    expect(splitFields('a\\\\|b')).toEqual(['a\\', 'b']);
  });

  it('reads \\\\\\| as a backslash then a literal pipe', () => {
    expect(splitFields('a\\\\\\|b')).toEqual(['a\\|b']);
  });

  it('keeps a backslash before any other character', () => {
    expect(splitFields('C:\\temp\\new|x')).toEqual(['C:\\temp\\new', 'x']);
    expect(splitFields('\\n\\😀')).toEqual(['\\n\\😀']);
  });

  it('keeps a trailing backslash', () => {
    expect(splitFields('abc\\')).toEqual(['abc\\']);
    expect(splitFields('x|\\')).toEqual(['x', '\\']);
  });
});

describe('joinFields then splitFields', () => {
  it('returns the original fields for random strings of a, |, \\ and emoji', () => {
    const random = makeRandom(42);
    const alphabet = ['a', '|', '\\', '😀'];
    for (let iteration = 0; iteration < 1000; iteration++) {
      const count = 1 + Math.floor(random() * 6);
      const fields: string[] = [];
      for (let f = 0; f < count; f++) {
        let s = '';
        const length = Math.floor(random() * 10);
        for (let c = 0; c < length; c++) s += alphabet[Math.floor(random() * alphabet.length)];
        fields.push(s);
      }
      expect(splitFields(joinFields(fields))).toEqual(fields);
    }
  });

  it('round-trips a field that is only a backslash', () => {
    expect(splitFields(joinFields(['\\', '\\']))).toEqual(['\\', '\\']);
  });
});

describe('splitFieldsWithFreeText', () => {
  it('joins surplus fields back into the last one', () => {
    expect(splitFieldsWithFreeText('5|a|b', 2)).toEqual(['5', 'a|b']);
    expect(splitFieldsWithFreeText('5|a|b|c', 2)).toEqual(['5', 'a|b|c']);
  });

  it('returns exactly count fields when there is no surplus', () => {
    expect(splitFieldsWithFreeText('alice|pw', 2)).toEqual(['alice', 'pw']);
  });

  it('unescapes each piece before joining', () => {
    expect(splitFieldsWithFreeText('5|a\\|b|c\\\\', 2)).toEqual(['5', 'a|b|c\\']);
  });

  it('gives the whole payload as free text when count is 1', () => {
    expect(splitFieldsWithFreeText('my|group', 1)).toEqual(['my|group']);
    expect(splitFieldsWithFreeText('', 1)).toEqual(['']);
  });

  it('returns null when there are fewer than count fields', () => {
    expect(splitFieldsWithFreeText('alice', 2)).toBeNull();
    expect(splitFieldsWithFreeText('', 2)).toBeNull();
    expect(splitFieldsWithFreeText('a\\|b', 2)).toBeNull();
  });

  it('allows an empty free-text field', () => {
    expect(splitFieldsWithFreeText('5|', 2)).toEqual(['5', '']);
  });

  it('rejects a count below 1', () => {
    expect(() => splitFieldsWithFreeText('a', 0)).toThrow(RangeError);
  });
});
