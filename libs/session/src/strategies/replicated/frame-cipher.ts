import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import { FRAME_HEADER_BYTES, type Frame } from './frame-decoder.js';

const TAG_BYTES = 16;
const NONCE_BYTES = 12;
/** A direction's key is retired (the connection closed, so a new one rekeys) long before its nonces could repeat. */
const MAX_FRAMES_PER_KEY = 2 ** 32;

export class FrameAuthenticationError extends Error {
  override readonly name = 'FrameAuthenticationError';
}

/** The nonce of the n-th frame of a direction: 4 zero bytes, then the 64-bit counter. */
function nonceFor(counter: number): Buffer {
  const nonce = Buffer.alloc(NONCE_BYTES);
  nonce.writeBigUInt64BE(BigInt(counter), 4);
  return nonce;
}

/**
 * Seals the frames of one direction with AES-256-GCM. The nonce is the frame's sequence number,
 * never sent: the receiver expects the next number, so a replayed, reordered, dropped, truncated or
 * altered frame fails authentication. The length header is authenticated as associated data.
 */
export class FrameSealer {
  private counter = 0;

  constructor(private readonly key: KeyObject) {}

  seal(plaintext: Buffer): Buffer {
    if (this.counter >= MAX_FRAMES_PER_KEY)
      throw new FrameAuthenticationError('key exhausted: reconnect to rekey');
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    header.writeUInt32BE(plaintext.length + TAG_BYTES, 0);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonceFor(this.counter++), {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(header);
    return Buffer.concat([header, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }
}

/** Opens the frames of one direction, in order; any failure throws and the connection must close. */
export class FrameOpener {
  private counter = 0;

  constructor(private readonly key: KeyObject) {}

  open(frame: Frame): Buffer {
    if (frame.body.length < TAG_BYTES)
      throw new FrameAuthenticationError('frame shorter than its tag');
    if (this.counter >= MAX_FRAMES_PER_KEY) throw new FrameAuthenticationError('key exhausted');
    const ciphertext = frame.body.subarray(0, frame.body.length - TAG_BYTES);
    const tag = frame.body.subarray(frame.body.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, nonceFor(this.counter), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(frame.header);
    decipher.setAuthTag(tag);
    try {
      const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      this.counter++;
      return plaintext;
    } catch (error) {
      throw new FrameAuthenticationError('frame failed authentication', { cause: error });
    }
  }
}
