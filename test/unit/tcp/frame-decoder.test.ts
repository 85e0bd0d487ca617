import { DecodedItem, FrameDecoder } from '../../../src/adapters/protocol/frame-decoder';

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

function randomInt(random: () => number, maxExclusive: number): number {
  return Math.floor(random() * maxExclusive);
}

function randomBytes(random: () => number, n: number): Buffer {
  const buf = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) buf[i] = randomInt(random, 256);
  return buf;
}

/** Frame built by hand, independent of the encoder under test elsewhere. */
function frame(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(payload.length, 2);
  return Buffer.concat([header, payload]);
}

function header(type: number, length: number): Buffer {
  const buf = Buffer.alloc(6);
  buf.writeUInt16BE(type, 0);
  buf.writeUInt32BE(length, 2);
  return buf;
}

interface Collected {
  type: number;
  payload: Buffer;
}

/** Pushes every chunk, copying payloads at once as a real consumer must. */
function feed(decoder: FrameDecoder, chunks: readonly Buffer[]): { frames: Collected[]; items: DecodedItem[] } {
  const frames: Collected[] = [];
  const items: DecodedItem[] = [];
  for (const chunk of chunks) {
    for (const item of decoder.push(chunk)) {
      items.push(item);
      if (item.kind === 'frame') frames.push({ type: item.type, payload: Buffer.from(item.payload) });
    }
  }
  return { frames, items };
}

function makeSut(maxPayload = 65536): FrameDecoder {
  return new FrameDecoder({ maxPayload });
}

describe('FrameDecoder', () => {
  it('decodes a stream of many frames under random splits (seeded)', () => {
    const random = makeRandom(0xc0ffee);
    const fixedSizes = [0, 1, 5, 6, 7, 1000, 65536];
    // Payloads are random slices of one seeded pool: filling fresh random
    // buffers byte by byte for every frame makes this test needlessly slow.
    const pool = randomBytes(random, 4 * 65536);
    const slice = (size: number): Buffer => {
      const start = randomInt(random, pool.length - size + 1);
      return pool.subarray(start, start + size);
    };

    for (let iteration = 0; iteration < 300; iteration++) {
      const expected: Collected[] = [];
      const sizes = [...fixedSizes];
      for (let i = 0; i < 8; i++) sizes.push(randomInt(random, 3000));
      // Shuffle so the big and tiny frames land in different positions.
      for (let i = sizes.length - 1; i > 0; i--) {
        const j = randomInt(random, i + 1);
        [sizes[i], sizes[j]] = [sizes[j], sizes[i]];
      }
      for (const size of sizes) expected.push({ type: randomInt(random, 65536), payload: slice(size) });
      const stream = Buffer.concat(expected.map((f) => frame(f.type, f.payload)));

      const chunks: Buffer[] = [];
      let offset = 0;
      while (offset < stream.length) {
        // Mix of tiny, small and large chunks so headers and bodies split everywhere.
        const pick = random();
        const max = pick < 0.3 ? 7 : pick < 0.7 ? 200 : 70000;
        const size = 1 + randomInt(random, max);
        chunks.push(stream.subarray(offset, offset + size));
        offset += size;
      }

      const { frames, items } = feed(makeSut(), chunks);
      expect(items.every((item) => item.kind === 'frame')).toBe(true);
      expect(frames).toHaveLength(expected.length);
      for (let i = 0; i < expected.length; i++) {
        expect(frames[i].type).toBe(expected[i].type);
        expect(frames[i].payload.equals(expected[i].payload)).toBe(true);
      }
    }
  });

  it('decodes a stream fed byte by byte, header included', () => {
    const payloads = [Buffer.alloc(0), Buffer.from('héllo'), Buffer.from('x'), Buffer.from('0123456789')];
    const stream = Buffer.concat(payloads.map((p, i) => frame(1000 + i, p)));
    const chunks = Array.from(stream, (byte) => Buffer.from([byte]));

    const decoder = makeSut();
    const frames: Collected[] = [];
    chunks.forEach((chunk, index) => {
      const items = decoder.push(chunk);
      // Nothing may come out before the last byte of a frame has arrived.
      for (const item of items) {
        if (item.kind !== 'frame') throw new Error(`unexpected ${item.kind} at byte ${index}`);
        frames.push({ type: item.type, payload: Buffer.from(item.payload) });
      }
    });

    expect(frames.map((f) => f.type)).toEqual([1000, 1001, 1002, 1003]);
    expect(frames.map((f) => f.payload.toString())).toEqual(['', 'héllo', 'x', '0123456789']);
  });

  it('emits nothing until the 6-byte header is complete', () => {
    const decoder = makeSut();
    const bytes = frame(7, Buffer.alloc(0));
    for (let i = 0; i < 5; i++) expect(decoder.push(bytes.subarray(i, i + 1))).toEqual([]);
    expect(decoder.push(bytes.subarray(5, 6))).toEqual([{ kind: 'frame', type: 7, payload: Buffer.alloc(0) }]);
  });

  it('decodes many frames from one chunk, in order', () => {
    const stream = Buffer.concat(Array.from({ length: 500 }, (_, i) => frame(i, Buffer.from(`msg-${i}`))));
    const items = makeSut().push(stream);

    expect(items).toHaveLength(500);
    items.forEach((item, i) => {
      expect(item.kind).toBe('frame');
      if (item.kind === 'frame') {
        expect(item.type).toBe(i);
        expect(item.payload.toString()).toBe(`msg-${i}`);
      }
    });
  });

  it('hands out a view into the chunk when the whole frame is there', () => {
    const chunk = frame(1, Buffer.from('abc'));
    const [item] = makeSut().push(chunk);

    expect(item.kind).toBe('frame');
    if (item.kind !== 'frame') return;
    expect(item.payload.buffer).toBe(chunk.buffer);
    expect(item.payload.byteOffset).toBe(chunk.byteOffset + 6);
  });

  it('assembles a body spanning chunks into its own buffer of the announced length', () => {
    const payload = Buffer.from('0123456789');
    const bytes = frame(2, payload);
    const first = Buffer.from(bytes.subarray(0, 9));
    const second = Buffer.from(bytes.subarray(9));
    const decoder = makeSut();

    expect(decoder.push(first)).toEqual([]);
    const [item] = decoder.push(second);
    expect(item.kind).toBe('frame');
    if (item.kind !== 'frame') return;
    // Own memory: scribbling on the chunks afterwards does not change it.
    first.fill(0);
    second.fill(0);
    expect(item.payload.toString()).toBe('0123456789');
    expect(item.payload).toHaveLength(10);
  });

  it('accepts a payload exactly at the limit, whole or split', () => {
    const payload = randomBytes(makeRandom(1), 1024);
    const bytes = frame(1003, payload);

    const whole = makeSut(1024).push(bytes);
    expect(whole).toHaveLength(1);
    expect(whole[0].kind).toBe('frame');

    const { frames, items } = feed(makeSut(1024), [bytes.subarray(0, 3), bytes.subarray(3, 500), bytes.subarray(500)]);
    expect(items.map((i) => i.kind)).toEqual(['frame']);
    expect(frames[0].payload.equals(payload)).toBe(true);
  });

  it('rejects limit + 1 as oversize', () => {
    const items = makeSut(1024).push(frame(1003, Buffer.alloc(1025, 0x61)));
    expect(items).toEqual([{ kind: 'oversize', type: 1003, length: 1025 }]);
  });

  it('reports oversize from the 6-byte header alone, without the body', () => {
    const decoder = makeSut(65536);
    const items = decoder.push(header(1003, 0xffffffff));

    expect(items).toEqual([{ kind: 'oversize', type: 1003, length: 4294967295 }]);
    expect(decoder.isStopped).toBe(true);
  });

  it('reports oversize once the last header byte arrives in a split header', () => {
    const decoder = makeSut(100);
    const bytes = header(9, 101);
    expect(decoder.push(bytes.subarray(0, 2))).toEqual([]);
    expect(decoder.push(bytes.subarray(2, 5))).toEqual([]);
    expect(decoder.push(bytes.subarray(5))).toEqual([{ kind: 'oversize', type: 9, length: 101 }]);
  });

  it('produces nothing after an oversize, even valid frames', () => {
    const decoder = makeSut(10);
    const good = frame(1, Buffer.from('ok'));
    const chunk = Buffer.concat([good, header(2, 11), good, good]);

    const items = decoder.push(chunk);
    expect(items.map((i) => i.kind)).toEqual(['frame', 'oversize']);
    expect(decoder.push(good)).toEqual([]);
    expect(decoder.push(Buffer.concat([good, good]))).toEqual([]);
  });

  it('applies a changed limit to the next header', () => {
    const decoder = makeSut(1024);
    const big = frame(1003, Buffer.alloc(2000, 0x62));

    expect(decoder.push(frame(1001, Buffer.alloc(1024, 0x61))).map((i) => i.kind)).toEqual(['frame']);
    decoder.maxPayload = 65536; // e.g. raised after LOGIN
    expect(decoder.maxPayload).toBe(65536);
    const raised = decoder.push(big);
    expect(raised.map((i) => i.kind)).toEqual(['frame']);

    decoder.maxPayload = 1024;
    expect(decoder.push(big)).toEqual([{ kind: 'oversize', type: 1003, length: 2000 }]);
  });

  it('checks a header staged across a limit change against the new limit', () => {
    const decoder = makeSut(1024);
    const bytes = frame(5, Buffer.alloc(2000, 0x63));

    expect(decoder.push(bytes.subarray(0, 3))).toEqual([]);
    decoder.maxPayload = 4096;
    const items = decoder.push(bytes.subarray(3));
    expect(items.map((i) => i.kind)).toEqual(['frame']);
  });

  it('rejects an invalid limit', () => {
    expect(() => new FrameDecoder({ maxPayload: -1 })).toThrow(RangeError);
    expect(() => new FrameDecoder({ maxPayload: 1.5 })).toThrow(RangeError);
    const decoder = makeSut();
    expect(() => {
      decoder.maxPayload = Number.NaN;
    }).toThrow(RangeError);
    expect(decoder.maxPayload).toBe(65536);
  });

  it('ignores an empty chunk', () => {
    const decoder = makeSut();
    const bytes = frame(3, Buffer.from('abc'));
    expect(decoder.push(bytes.subarray(0, 4))).toEqual([]);
    expect(decoder.push(Buffer.alloc(0))).toEqual([]);
    const items = decoder.push(bytes.subarray(4));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'frame', type: 3 });
  });
});
