/**
 * Streaming decoder for the wire framing (PROTOCOL §1):
 *
 *   TYPE uint16 BE | LENGTH uint32 BE | PAYLOAD (LENGTH bytes)
 *
 * Allocation strategy (after mysql2 / mqtt-packet / RESP parsers):
 * - a frame lying wholly inside the chunk is returned as a `subarray` view,
 *   no copy;
 * - a body spanning chunks gets ONE buffer of the announced length, and the
 *   pieces are copied into it as they arrive;
 * - a header split across chunks is staged in a fixed 6-byte area.
 * The announced length is checked against the limit from the header alone,
 * so an oversize frame never makes us allocate or buffer its body.
 */

export const FRAME_HEADER_SIZE = 6;

/** A complete frame. */
export interface DecodedFrame {
  readonly kind: 'frame';
  readonly type: number;
  /**
   * May be a view into the chunk given to `push` (no copy). The consumer must
   * decode it, or copy it, before the caller reuses or mutates that chunk;
   * the safe rule is: finish with it before the next `push`.
   */
  readonly payload: Buffer;
}

/**
 * A header announced more than `maxPayload` bytes. The decoder is stopped
 * afterwards: the stream cannot be resynchronised, so the server replies and
 * closes the connection.
 */
export interface OversizeFrame {
  readonly kind: 'oversize';
  readonly type: number;
  readonly length: number;
}

export type DecodedItem = DecodedFrame | OversizeFrame;

export interface FrameDecoderOptions {
  /** Largest accepted payload in bytes (inclusive). */
  readonly maxPayload: number;
}

export class FrameDecoder {
  private limit: number;

  /** Staging area for a header split across chunks. */
  private readonly header = Buffer.alloc(FRAME_HEADER_SIZE);
  private headerFilled = 0;

  /** Body being assembled across chunks; null when between frames. */
  private body: Buffer | null = null;
  private bodyFilled = 0;
  private bodyType = 0;

  private stopped = false;

  constructor(options: FrameDecoderOptions) {
    this.limit = FrameDecoder.checkedLimit(options.maxPayload);
  }

  get maxPayload(): number {
    return this.limit;
  }

  /**
   * Changes the limit for headers completed from now on (e.g. raised after
   * LOGIN). A frame whose header was already accepted is not re-checked.
   */
  set maxPayload(value: number) {
    this.limit = FrameDecoder.checkedLimit(value);
  }

  /** True once an oversize frame was seen; `push` then yields nothing. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Feeds the next chunk of the stream and returns the items it completes,
   * in stream order. Frame payloads may alias `chunk` (see DecodedFrame).
   */
  push(chunk: Buffer): DecodedItem[] {
    const items: DecodedItem[] = [];
    if (this.stopped) return items;

    const end = chunk.length;
    let offset = 0;

    while (offset < end) {
      // 1. Continue a body that spans chunks.
      if (this.body !== null) {
        const body = this.body;
        const n = Math.min(body.length - this.bodyFilled, end - offset);
        chunk.copy(body, this.bodyFilled, offset, offset + n);
        this.bodyFilled += n;
        offset += n;
        if (this.bodyFilled === body.length) {
          items.push({ kind: 'frame', type: this.bodyType, payload: body });
          this.body = null;
          this.bodyFilled = 0;
        }
        continue;
      }

      // 2. Read a header: straight from the chunk when it is all there,
      //    otherwise through the staging area.
      let type: number;
      let length: number;
      if (this.headerFilled === 0 && end - offset >= FRAME_HEADER_SIZE) {
        type = chunk.readUInt16BE(offset);
        length = chunk.readUInt32BE(offset + 2);
        offset += FRAME_HEADER_SIZE;
      } else {
        const n = Math.min(FRAME_HEADER_SIZE - this.headerFilled, end - offset);
        chunk.copy(this.header, this.headerFilled, offset, offset + n);
        this.headerFilled += n;
        offset += n;
        if (this.headerFilled < FRAME_HEADER_SIZE) break; // chunk exhausted
        this.headerFilled = 0;
        type = this.header.readUInt16BE(0);
        length = this.header.readUInt32BE(2);
      }

      // 3. Judge the length from the header alone, before touching the body.
      if (length > this.limit) {
        items.push({ kind: 'oversize', type, length });
        this.stopped = true;
        return items;
      }

      // 4. Whole body present: hand out a view. Otherwise start assembling.
      if (end - offset >= length) {
        items.push({ kind: 'frame', type, payload: chunk.subarray(offset, offset + length) });
        offset += length;
      } else {
        const body = Buffer.allocUnsafe(length);
        const n = end - offset;
        chunk.copy(body, 0, offset, end);
        offset = end;
        this.body = body;
        this.bodyFilled = n;
        this.bodyType = type;
      }
    }

    return items;
  }

  private static checkedLimit(value: number): number {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`maxPayload must be a non-negative integer, got ${value}`);
    }
    return value;
  }
}
