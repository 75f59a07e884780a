/** A frame's 4-byte header: the body's length, big-endian. */
export const FRAME_HEADER_BYTES = 4;

export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
}

export interface Frame {
  /** The 4 header bytes, authenticated with the body as associated data. */
  readonly header: Buffer;
  readonly body: Buffer;
}

/** Prefixes a body with its length. */
export function frameOf(body: Buffer): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

/**
 * Cuts a byte stream into length-prefixed frames. A length of 0 or above the limit throws at once,
 * before the body is buffered, so a peer cannot make this node hold more than one frame's bytes.
 */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  constructor(public maxFrameBytes: number) {}

  /** Bytes received but not yet a whole frame. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    let offset = 0;
    while (this.pending.length - offset >= FRAME_HEADER_BYTES) {
      const length = this.pending.readUInt32BE(offset);
      if (length === 0 || length > this.maxFrameBytes) {
        throw new FrameTooLargeError(`frame of ${length} bytes (limit ${this.maxFrameBytes})`);
      }
      const end = offset + FRAME_HEADER_BYTES + length;
      if (this.pending.length < end) break;
      frames.push({
        header: this.pending.subarray(offset, offset + FRAME_HEADER_BYTES),
        body: this.pending.subarray(offset + FRAME_HEADER_BYTES, end),
      });
      offset = end;
    }
    this.pending = offset === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(offset);
    return frames;
  }
}
