import fc from 'fast-check';
import { escapeField, joinFields, splitFields, splitFieldsWithFreeText } from '../../../src/adapters/protocol/fields';

/**
 * Properties of field escaping (PROTOCOL §2) over arbitrary text, weighted towards the
 * characters that matter: `|`, `\`, and runs of them.
 */

/** Text of any code points, with pipes and backslashes (alone or in runs) far more common than chance. */
const tricky: fc.Arbitrary<string> = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('|', '\\', '\\|', '\\\\', '|\\', 'a') },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  ),
  maxLength: 30,
});

/** Walks a payload as the protocol reads it; the separators it meets, at their offsets. */
function separators(payload: string): number[] {
  const found: number[] = [];
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] === '\\' && (payload[i + 1] === '|' || payload[i + 1] === '\\')) i += 1;
    else if (payload[i] === '|') found.push(i);
  }
  return found;
}

function count(text: string, chars: string): number {
  return [...text].filter((c) => chars.includes(c)).length;
}

describe('field escaping properties', () => {
  it('joinFields then splitFields gives back any non-empty list of fields', () => {
    fc.assert(
      fc.property(fc.array(tricky, { minLength: 1, maxLength: 8 }), (fields) => {
        expect(splitFields(joinFields(fields))).toEqual(fields);
      }),
      { numRuns: 2000 },
    );
  });

  it('joinFields then splitFields gives numbers back as their decimals', () => {
    const field = fc.oneof(tricky, fc.maxSafeNat(), fc.integer());
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 8 }), (fields) => {
        expect(splitFields(joinFields(fields))).toEqual(fields.map((f) => (typeof f === 'number' ? String(f) : f)));
      }),
    );
  });

  it('escapeField never leaves an unescaped pipe, and its field reads back as itself', () => {
    fc.assert(
      fc.property(tricky, (text) => {
        const escaped = escapeField(text);
        expect(separators(escaped)).toEqual([]);
        // Every pipe in the output sits after an odd run of backslashes.
        for (let i = 0; i < escaped.length; i++) {
          if (escaped[i] !== '|') continue;
          let run = 0;
          while (i - run - 1 >= 0 && escaped[i - run - 1] === '\\') run += 1;
          expect(run % 2).toBe(1);
        }
        expect(splitFields(escaped)).toEqual([text]);
        // Only `|` and `\` are escaped, one backslash each; anything else is left alone.
        expect(escaped.length).toBe(text.length + count(text, '|\\'));
        if (count(text, '|\\') === 0) expect(escaped).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('splits any payload into one more field than it has unescaped pipes, without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(tricky, fc.string({ unit: 'binary' })), (payload) => {
        expect(splitFields(payload)).toHaveLength(separators(payload).length + 1);
      }),
      { numRuns: 1000 },
    );
  });

  it("joins a naive client's surplus fields back into the free-text field", () => {
    fc.assert(
      fc.property(
        fc.array(tricky, { maxLength: 3 }),
        fc.array(tricky, { minLength: 1, maxLength: 4 }),
        (head, tail) => {
          // The head escaped as it should be, the free text split by a client that did not escape it.
          const payload = [joinFields(head), joinFields(tail)].filter((_, i) => i > 0 || head.length > 0).join('|');
          expect(splitFieldsWithFreeText(payload, head.length + 1)).toEqual([...head, tail.join('|')]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
