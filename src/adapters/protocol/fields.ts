/**
 * Field escaping (PROTOCOL §2): fields are separated by `|`; inside a field
 * `\|` is a literal pipe and `\\` a literal backslash. A backslash before any
 * other character, or at the end of the payload, is kept as it is.
 */

const SEPARATOR = '|';
const ESCAPE = '\\';

/** Escapes `\` and `|` so the field survives `splitFields`. */
export function escapeField(s: string): string {
  if (!s.includes(ESCAPE) && !s.includes(SEPARATOR)) return s;
  return s.replace(/[\\|]/g, '\\$&');
}

/** Joins fields with `|`, escaping the string ones (numbers need none). */
export function joinFields(fields: readonly (string | number)[]): string {
  let out = '';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    if (i > 0) out += SEPARATOR;
    out += typeof field === 'number' ? String(field) : escapeField(field);
  }
  return out;
}

/**
 * Splits on unescaped `|` and unescapes each field. Never fails: an empty
 * payload is one empty field.
 */
export function splitFields(payload: string): string[] {
  // Common case: nothing escaped, so a plain split is exact.
  if (!payload.includes(ESCAPE)) return payload.split(SEPARATOR);

  const fields: string[] = [];
  let current = '';
  let segmentStart = 0; // start of the not-yet-copied run of plain characters
  let i = 0;
  while (i < payload.length) {
    const c = payload[i];
    if (c === SEPARATOR) {
      fields.push(current + payload.slice(segmentStart, i));
      current = '';
      i += 1;
      segmentStart = i;
    } else if (c === ESCAPE) {
      const next = payload[i + 1];
      if (next === SEPARATOR || next === ESCAPE) {
        current += payload.slice(segmentStart, i) + next;
        i += 2;
        segmentStart = i;
      } else {
        // Not an escape sequence: the backslash stays part of the run.
        i += 1;
      }
    } else {
      i += 1;
    }
  }
  fields.push(current + payload.slice(segmentStart));
  return fields;
}

/**
 * Splits a request whose last field is free text: returns exactly `count`
 * fields, surplus fields joined back into the last one with `|` (so a naive
 * client sending `5|a|b` sends the content `a|b`). Returns null when the
 * payload has fewer than `count` fields.
 */
export function splitFieldsWithFreeText(payload: string, count: number): string[] | null {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`count must be a positive integer, got ${count}`);
  }
  const fields = splitFields(payload);
  if (fields.length < count) return null;
  if (fields.length === count) return fields;
  const head = fields.slice(0, count - 1);
  head.push(fields.slice(count - 1).join(SEPARATOR));
  return head;
}
