import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { SessionRecord } from '../../session-store.interface.js';
import { isSessionIdShaped } from '../../utils/session-id.js';
import { MAX_PAYLOAD_BYTES } from './cookie.constants.js';

/** A session as sealed in the cookie. */
export interface CookiePayload {
  readonly id: string;
  readonly record: SessionRecord;
  /** When the cookie was last written (ms since the epoch). */
  readonly lastAccessedAt: number;
}

/**
 * First byte of the sealed plaintext: the payload's format version and how the JSON after it is
 * stored. A later format takes new values, so cookies sealed by an older release stay readable.
 */
const Envelope = { Json: 1, DeflatedJson: 2 } as const;

/** Thrown when a session is too large to be sealed at all, whatever the cookie budget. */
export class PayloadTooLargeError extends Error {
  constructor(readonly size: number) {
    super(
      `the session is ${size} bytes of JSON, more than the ${MAX_PAYLOAD_BYTES} bytes a cookie session may hold`,
    );
  }
}

/**
 * The plaintext to seal. Values are the JSON texts the core produced, spliced in as JSON rather
 * than quoted again, which keeps the cookie small (no escaped quotes); times after the creation
 * time are stored as offsets from it, for the same reason. With `compress`, the JSON is deflated
 * when that makes it smaller; the envelope byte says which, inside the encryption.
 */
export function encodePayload(payload: CookiePayload, compress: boolean): Uint8Array {
  const { id, record, lastAccessedAt } = payload;
  const { createdAt } = record;
  const entries = Object.entries(record.data).map(
    ([key, text]) => `${JSON.stringify(key)}:${text}`,
  );
  const json =
    `{"i":${JSON.stringify(id)}` +
    (record.principal !== undefined ? `,"p":${JSON.stringify(record.principal)}` : '') +
    `,"c":${createdAt},"a":${lastAccessedAt - createdAt},"e":${record.expiresAt - createdAt}` +
    `,"x":${record.absoluteExpiresAt - createdAt},"d":{${entries.join(',')}}}`;
  const plain = Buffer.from(json);
  if (plain.length > MAX_PAYLOAD_BYTES) throw new PayloadTooLargeError(plain.length);
  if (compress) {
    const deflated = deflateRawSync(plain);
    if (deflated.length < plain.length)
      return Buffer.concat([Buffer.of(Envelope.DeflatedJson), deflated]);
  }
  return Buffer.concat([Buffer.of(Envelope.Json), plain]);
}

/**
 * The session a sealed plaintext holds, or `undefined` when it is not a payload this version
 * reads. Only values this app sealed reach here, so this guards against format drift, not forgery.
 */
export function decodePayload(plaintext: Uint8Array): CookiePayload | undefined {
  try {
    const body = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength).subarray(
      1,
    );
    let json: Buffer;
    if (plaintext[0] === Envelope.Json) json = body;
    else if (plaintext[0] === Envelope.DeflatedJson)
      json = inflateRawSync(body, { maxOutputLength: MAX_PAYLOAD_BYTES });
    else return undefined;
    return fromJson(JSON.parse(json.toString('utf8')) as unknown);
  } catch {
    return undefined;
  }
}

function fromJson(value: unknown): CookiePayload | undefined {
  if (!isPlainObject(value)) return undefined;
  const { i: id, p: principal, c: createdAt, a: accessed, e: idle, x: absolute, d } = value;
  if (typeof id !== 'string' || !isSessionIdShaped(id)) return undefined;
  if (principal !== undefined && typeof principal !== 'string') return undefined;
  if (!isTime(createdAt) || !isTime(accessed) || !isTime(idle) || !isTime(absolute))
    return undefined;
  if (!isPlainObject(d)) return undefined;
  const data: Record<string, string> = {};
  for (const [key, item] of Object.entries(d)) {
    // The core never writes this key; assigning it would change the object's prototype.
    if (key !== '__proto__') data[key] = JSON.stringify(item);
  }
  return {
    id,
    lastAccessedAt: createdAt + accessed,
    record: {
      data,
      principal,
      createdAt,
      expiresAt: createdAt + idle,
      absoluteExpiresAt: createdAt + absolute,
    },
  };
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
