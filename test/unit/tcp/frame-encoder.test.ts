import { FrameDecoder } from '../../../src/adapters/protocol/frame-decoder';
import { decodeUtf8Strict, encodeFrame } from '../../../src/adapters/protocol/frame-encoder';

describe('encodeFrame', () => {
  it('writes a big-endian header then the UTF-8 payload', () => {
    const buf = encodeFrame(2000, '200|ok');
    expect([...buf.subarray(0, 6)]).toEqual([0x07, 0xd0, 0, 0, 0, 6]);
    expect(buf.subarray(6).toString('utf8')).toBe('200|ok');
    expect(buf.length).toBe(12);
  });

  it('counts the length in bytes, not characters', () => {
    const payload = 'é€😀'; // 2 + 3 + 4 bytes, 4 UTF-16 units
    const buf = encodeFrame(1003, payload);
    expect(buf.readUInt32BE(2)).toBe(9);
    expect(buf.length).toBe(15);
    expect(buf.subarray(6).toString('utf8')).toBe(payload);
  });

  it('encodes an empty payload as a bare header', () => {
    expect([...encodeFrame(65535, '')]).toEqual([0xff, 0xff, 0, 0, 0, 0]);
  });

  it('rejects a type outside uint16', () => {
    // Node's own RangeError comes from another realm under Jest: match by name.
    expect(() => encodeFrame(65536, 'x')).toThrow(expect.objectContaining({ name: 'RangeError' }));
    expect(() => encodeFrame(-1, 'x')).toThrow(expect.objectContaining({ name: 'RangeError' }));
  });

  it('round-trips through the decoder', () => {
    const payloads = ['', 'a', 'hello|world', '\uFEFFbom', '😀'.repeat(1000)];
    const stream = Buffer.concat(payloads.map((p, i) => encodeFrame(1000 + i, p)));
    const items = new FrameDecoder({ maxPayload: 65536 }).push(stream);

    expect(items).toHaveLength(payloads.length);
    items.forEach((item, i) => {
      expect(item.kind).toBe('frame');
      if (item.kind !== 'frame') return;
      expect(item.type).toBe(1000 + i);
      expect(decodeUtf8Strict(item.payload)).toBe(payloads[i]);
    });
  });
});

describe('decodeUtf8Strict', () => {
  it.each([
    ['a lone continuation byte', [0x80]],
    ['a continuation byte after ASCII', [0x61, 0xbf, 0x62]],
    ['an overlong encoding of NUL', [0xc0, 0x80]],
    ['an overlong 3-byte encoding', [0xe0, 0x80, 0xaf]],
    ['a truncated 2-byte sequence', [0xc3]],
    ['a truncated 4-byte sequence', [0xf0, 0x9f, 0x98]],
    ['a truncated sequence followed by ASCII', [0xe2, 0x82, 0x61]],
    ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['an invalid byte 0xFF', [0xff]],
  ])('returns null for %s', (_label, bytes) => {
    expect(decodeUtf8Strict(Buffer.from(bytes))).toBeNull();
  });

  it.each([
    ['ASCII', 'hello'],
    ['empty', ''],
    ['2-byte', 'héllo'],
    ['3-byte', '€ 中文'],
    ['4-byte emoji', '😀👍🏽'],
    ['ZWJ sequence', '👨‍👩‍👧'],
    ['U+10FFFF', '\u{10FFFF}'],
  ])('decodes valid %s text', (_label, text) => {
    expect(decodeUtf8Strict(Buffer.from(text, 'utf8'))).toBe(text);
  });

  it('keeps a leading BOM as content', () => {
    const decoded = decodeUtf8Strict(Buffer.from([0xef, 0xbb, 0xbf, 0x61]));
    expect(decoded).toBe('\uFEFFa');
    expect(decoded).toHaveLength(2);
  });

  it('decodes only the bytes of a view, not its whole backing buffer', () => {
    const backing = Buffer.from([0xff, 0x61, 0x62, 0xff]);
    expect(decodeUtf8Strict(backing.subarray(1, 3))).toBe('ab');
  });

  it('stays usable after rejecting invalid input (no leftover state)', () => {
    expect(decodeUtf8Strict(Buffer.from([0xe2, 0x82]))).toBeNull();
    expect(decodeUtf8Strict(Buffer.from([0xac]))).toBeNull();
    expect(decodeUtf8Strict(Buffer.from('ok'))).toBe('ok');
  });
});
