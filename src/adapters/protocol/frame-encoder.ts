import { FRAME_HEADER_SIZE } from './frame-decoder';

/**
 * Builds one frame (PROTOCOL §1) in a single allocation.
 * Throws RangeError when `type` is not a uint16 (a bug in the caller).
 */
export function encodeFrame(type: number, payload: string): Buffer {
  const length = Buffer.byteLength(payload, 'utf8');
  const buf = Buffer.allocUnsafe(FRAME_HEADER_SIZE + length);
  buf.writeUInt16BE(type, 0);
  buf.writeUInt32BE(length, 2);
  buf.write(payload, FRAME_HEADER_SIZE, 'utf8');
  return buf;
}

// `buffer.toString()` silently substitutes U+FFFD for bad bytes; a fatal
// decoder throws instead. `ignoreBOM` keeps a leading U+FEFF as content:
// the payload is what the client sent, not a file with a signature.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes UTF-8, or returns null when the bytes are not valid UTF-8. */
export function decodeUtf8Strict(bytes: Buffer): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    if (isInvalidEncodingError(error)) return null;
    throw error;
  }
}

/**
 * The fatal decoder throws a TypeError with this code. Matched by code, not
 * `instanceof TypeError`: the error comes from Node's own realm, which differs
 * from the caller's in a vm context (Jest runs tests in one).
 */
function isInvalidEncodingError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    error.code === 'ERR_ENCODING_INVALID_ENCODED_DATA'
  );
}
