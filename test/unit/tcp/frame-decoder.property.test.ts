import fc from 'fast-check';
import { FRAME_HEADER_SIZE, FrameDecoder, type DecodedItem } from '../../../src/adapters/protocol/frame-decoder';

/**
 * Properties of the stream decoder (PROTOCOL §1) under every way TCP may cut a stream
 * into reads. The expected items come from a reference decoder written here, which
 * reads the whole stream at once and shares no code with the one under test.
 */

interface Frame {
  readonly type: number;
  readonly payload: Uint8Array;
}

/** What a consumer keeps of an item: the payload copied, as the decoder's contract asks. */
type Seen =
  | { readonly kind: 'frame'; readonly type: number; readonly payload: string }
  | { readonly kind: 'oversize'; readonly type: number; readonly length: number };

function encode(frames: readonly Frame[]): Buffer {
  const parts: Buffer[] = [];
  for (const frame of frames) {
    const header = Buffer.alloc(FRAME_HEADER_SIZE);
    header.writeUInt16BE(frame.type, 0);
    header.writeUInt32BE(frame.payload.length, 2);
    parts.push(header, Buffer.from(frame.payload));
  }
  return Buffer.concat(parts);
}

/** The whole stream at once: frames until an oversize header (then nothing) or an incomplete tail. */
function referenceDecode(stream: Buffer, limit: number): Seen[] {
  const items: Seen[] = [];
  let offset = 0;
  while (stream.length - offset >= FRAME_HEADER_SIZE) {
    const type = stream.readUInt16BE(offset);
    const length = stream.readUInt32BE(offset + 2);
    if (length > limit) {
      items.push({ kind: 'oversize', type, length });
      return items;
    }
    if (stream.length - offset - FRAME_HEADER_SIZE < length) break;
    const start = offset + FRAME_HEADER_SIZE;
    items.push({ kind: 'frame', type, payload: stream.subarray(start, start + length).toString('hex') });
    offset = start + length;
  }
  return items;
}

/** Where each complete item of the reference ends in the stream (the offset just past its last byte). */
function referenceEnds(stream: Buffer, limit: number): number[] {
  const ends: number[] = [];
  let offset = 0;
  while (stream.length - offset >= FRAME_HEADER_SIZE) {
    const length = stream.readUInt32BE(offset + 2);
    if (length > limit) {
      ends.push(offset + FRAME_HEADER_SIZE);
      return ends;
    }
    if (stream.length - offset - FRAME_HEADER_SIZE < length) break;
    offset += FRAME_HEADER_SIZE + length;
    ends.push(offset);
  }
  return ends;
}

/** Cuts `stream` at the given offsets (any order, repeats make empty chunks); each chunk is its own copy. */
function cut(stream: Buffer, offsets: readonly number[]): Buffer[] {
  const points = [...offsets].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(Buffer.from(stream.subarray(start, point)));
    start = point;
  }
  chunks.push(Buffer.from(stream.subarray(start)));
  return chunks;
}

function see(item: DecodedItem): Seen {
  return item.kind === 'frame'
    ? { kind: 'frame', type: item.type, payload: item.payload.toString('hex') }
    : { kind: 'oversize', type: item.type, length: item.length };
}

interface Fed {
  readonly items: Seen[];
  /** For each item, the index of the chunk whose push returned it. */
  readonly chunkOf: number[];
}

/**
 * Feeds the chunks one by one, copying every payload at once, then scribbles over the
 * chunk: the decoder may keep no view into a chunk past the `push` that received it.
 */
function feed(decoder: FrameDecoder, chunks: readonly Buffer[]): Fed {
  const items: Seen[] = [];
  const chunkOf: number[] = [];
  chunks.forEach((chunk, index) => {
    for (const item of decoder.push(chunk)) {
      items.push(see(item));
      chunkOf.push(index);
    }
    chunk.fill(0xa5);
  });
  return { items, chunkOf };
}

/** The chunk index holding stream offset `end - 1` (the last byte of an item ending at `end`). */
function chunkHolding(chunks: readonly Buffer[], end: number): number {
  let start = 0;
  for (let i = 0; i < chunks.length; i++) {
    const next = start + chunks[i]!.length;
    if (chunks[i]!.length > 0 && end - 1 >= start && end - 1 < next) return i;
    start = next;
  }
  throw new Error(`no chunk holds offset ${end - 1}`);
}

const frameArb: fc.Arbitrary<Frame> = fc.record({
  type: fc.integer({ min: 0, max: 0xffff }),
  payload: fc.oneof(
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 200, maxLength: 3000 }) },
  ),
});

/** A stream and a way to cut it: offsets anywhere from 0 to its length, repeats allowed. */
function streamAndCuts(streamArb: fc.Arbitrary<Buffer>): fc.Arbitrary<{ stream: Buffer; offsets: number[] }> {
  return streamArb.chain((stream) =>
    fc.record({
      stream: fc.constant(stream),
      offsets: fc.oneof(
        fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 40 }),
        // Sometimes byte by byte, the finest split there is.
        fc.constant(Array.from({ length: stream.length }, (_, i) => i)),
      ),
    }),
  );
}

/** Every way to cut a stream of `length` bytes into non-empty pieces: 2^(length-1) of them. */
function* everySplit(length: number): Generator<number[]> {
  const gaps = Math.max(0, length - 1);
  for (let mask = 0; mask < 2 ** gaps; mask++) {
    const offsets: number[] = [];
    for (let gap = 0; gap < gaps; gap++) if (mask & (1 << gap)) offsets.push(gap + 1);
    yield offsets;
  }
}

describe('FrameDecoder properties', () => {
  it('yields the frames of a valid stream, in order and intact, however the stream is cut', () => {
    fc.assert(
      fc.property(
        streamAndCuts(fc.array(frameArb, { maxLength: 25 }).map(encode)),
        ({ stream, offsets }) => {
          const chunks = cut(stream, offsets);
          const fed = feed(new FrameDecoder({ maxPayload: 65536 }), chunks);
          expect(fed.items).toEqual(referenceDecode(stream, 65536));
          expect(fed.items.every((item) => item.kind === 'frame')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands out each frame in the push that brings its last byte, not before and not later', () => {
    fc.assert(
      fc.property(
        streamAndCuts(fc.array(frameArb, { minLength: 1, maxLength: 12 }).map(encode)),
        ({ stream, offsets }) => {
          const chunks = cut(stream, offsets);
          const fed = feed(new FrameDecoder({ maxPayload: 65536 }), chunks);
          const expected = referenceEnds(stream, 65536).map((end) => chunkHolding(chunks, end));
          expect(fed.chunkOf).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes a small stream the same under every one of its splits (exhaustive)', () => {
    // One or two frames of a byte or two, at most 13 bytes: up to 2^12 splits each.
    const small = fc
      .array(fc.record({ type: fc.integer({ min: 0, max: 0xffff }), payload: fc.uint8Array({ maxLength: 2 }) }), {
        minLength: 1,
        maxLength: 2,
      })
      .map(encode)
      .filter((stream) => stream.length <= 13);
    fc.assert(
      fc.property(small, (stream) => {
        const expected = JSON.stringify(referenceDecode(stream, 65536));
        const differing: number[][] = [];
        for (const offsets of everySplit(stream.length)) {
          const items = feed(new FrameDecoder({ maxPayload: 65536 }), cut(stream, offsets)).items;
          if (JSON.stringify(items) !== expected) differing.push(offsets);
        }
        expect(differing).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('on arbitrary bytes never throws and agrees with the reference under any split and any limit', () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes)),
      // Mostly well-formed, with bytes flipped, cut out or stuck in anywhere (the header included).
      fc
        .record({
          frames: fc.array(frameArb, { maxLength: 10 }),
          edits: fc.array(
            fc.record({ at: fc.nat(), op: fc.constantFrom('flip', 'drop', 'insert'), byte: fc.integer({ min: 0, max: 255 }) }),
            { maxLength: 6 },
          ),
        })
        .map(({ frames, edits }) => {
          const bytes = [...encode(frames)];
          for (const edit of edits) {
            if (bytes.length === 0) break;
            const at = edit.at % bytes.length;
            if (edit.op === 'flip') bytes[at] = bytes[at]! ^ (1 << (edit.byte % 8));
            else if (edit.op === 'drop') bytes.splice(at, 1);
            else bytes.splice(at, 0, edit.byte);
          }
          return Buffer.from(bytes);
        }),
    );
    fc.assert(
      fc.property(streamAndCuts(garbage), fc.integer({ min: 0, max: 5000 }), ({ stream, offsets }, limit) => {
        const decoder = new FrameDecoder({ maxPayload: limit });
        const fed = feed(decoder, cut(stream, offsets));
        const expected = referenceDecode(stream, limit);
        expect(fed.items).toEqual(expected);
        // An oversize is the last thing the decoder ever says: it stops for good.
        const stopped = expected.at(-1)?.kind === 'oversize';
        expect(decoder.isStopped).toBe(stopped);
        if (stopped) expect(decoder.push(encode([{ type: 1, payload: new Uint8Array(0) }]))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('judges a length from the header alone: exactly the limit is a frame, one more is oversize', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4096 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 1, max: 0xffffffff - 4096 }),
        fc.integer({ min: 1, max: FRAME_HEADER_SIZE - 1 }),
        (limit, type, excess, headerCut) => {
          const over = Buffer.alloc(FRAME_HEADER_SIZE);
          over.writeUInt16BE(type, 0);
          over.writeUInt32BE(limit + excess, 2);
          // Only the header is sent, even split: the verdict cannot wait for a body.
          const decoder = new FrameDecoder({ maxPayload: limit });
          expect(decoder.push(over.subarray(0, headerCut))).toEqual([]);
          expect(decoder.push(over.subarray(headerCut))).toEqual([{ kind: 'oversize', type, length: limit + excess }]);

          const exact = encode([{ type, payload: new Uint8Array(limit) }]);
          const whole = new FrameDecoder({ maxPayload: limit }).push(exact);
          expect(whole.map(see)).toEqual([{ kind: 'frame', type, payload: Buffer.alloc(limit).toString('hex') }]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
