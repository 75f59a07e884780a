import type { Field, LiveEntry, ReplicaEntry } from './replica-entry.js';

/**
 * How an entry travels: plain JSON arrays and numbers, decoded field by field. User keys travel
 * as array items, never as object keys, so no key can reach an object's prototype.
 */
export type WireField = [value: string | null, v: number, n: string];
export type WireEntry =
  | {
      s: string;
      k: [key: string, value: string | null, v: number, n: string][];
      p?: WireField;
      c: number;
      a: number;
      e: number;
    }
  | { s: string; d: [v: number, n: string]; u: number };

const MAX_ID_LENGTH = 128;
const MAX_KEY_LENGTH = 256;
const MAX_NODE_ID_LENGTH = 64;

export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

export function encodeEntry(id: string, entry: ReplicaEntry): WireEntry {
  if (entry.kind === 'dead') return { s: id, d: [entry.v, entry.n], u: entry.keepUntil };
  const k: [string, string | null, number, string][] = [];
  for (const [key, field] of entry.keys) k.push([key, field.value, field.v, field.n]);
  const wire: WireEntry = {
    s: id,
    k,
    c: entry.createdAt,
    a: entry.absoluteExpiresAt,
    e: entry.expiresAt,
  };
  if (entry.principal) wire.p = [entry.principal.value, entry.principal.v, entry.principal.n];
  return wire;
}

/** Checks every field of an entry from a peer; throws `WireFormatError` on anything unexpected. */
export function decodeEntry(raw: unknown): { id: string; entry: ReplicaEntry } {
  if (!isObject(raw)) throw new WireFormatError('entry is not an object');
  const id = text(raw.s, MAX_ID_LENGTH, 'session id');
  if ('d' in raw) {
    const d = raw.d;
    if (!Array.isArray(d) || d.length !== 2) throw new WireFormatError('bad tombstone stamp');
    return {
      id,
      entry: { kind: 'dead', v: counter(d[0]), n: nodeId(d[1]), keepUntil: time(raw.u) },
    };
  }
  if (!Array.isArray(raw.k)) throw new WireFormatError('bad key list');
  const keys = new Map<string, Field>();
  for (const item of raw.k as unknown[]) {
    if (!Array.isArray(item) || item.length !== 4) throw new WireFormatError('bad key entry');
    const key = text(item[0], MAX_KEY_LENGTH, 'key');
    if (key === '__proto__') throw new WireFormatError('forbidden key');
    if (keys.has(key)) throw new WireFormatError('duplicate key');
    keys.set(key, { value: nullableText(item[1]), v: counter(item[2]), n: nodeId(item[3]) });
  }
  let principal: Field | undefined;
  if (raw.p !== undefined) {
    const p = raw.p;
    if (!Array.isArray(p) || p.length !== 3) throw new WireFormatError('bad principal');
    principal = { value: nullableText(p[0]), v: counter(p[1]), n: nodeId(p[2]) };
  }
  const entry: LiveEntry = {
    kind: 'live',
    keys,
    principal,
    createdAt: time(raw.c),
    absoluteExpiresAt: time(raw.a),
    expiresAt: time(raw.e),
  };
  return { id, entry };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, max: number, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw new WireFormatError(`bad ${what}`);
  return value;
}

function nullableText(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw new WireFormatError('bad value');
  return value;
}

function nodeId(value: unknown): string {
  return text(value, MAX_NODE_ID_LENGTH, 'node id');
}

function counter(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1)
    throw new WireFormatError('bad version');
  return value as number;
}

function time(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new WireFormatError('bad time');
  return value as number;
}
