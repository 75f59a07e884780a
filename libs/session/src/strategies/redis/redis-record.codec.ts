import type { SessionChange, SessionRecord } from '../../session-store.interface.js';
import { DATA_FIELD_PREFIX, REDIS_FORMAT_VERSION } from './redis.constants.js';

/** A stored session as read back, with what only the store knows (its last access). */
export interface StoredSession extends SessionRecord {
  readonly lastAccessedAt: number;
}

/** Why a stored value could not be read as a session. */
export class UnreadableSessionError extends Error {
  override readonly name = 'UnreadableSessionError';
}

/**
 * Reads the flat field/value list of a session hash (`HGETALL`). Returns `undefined` for an empty
 * hash (no session) and throws `UnreadableSessionError` for a value of another format or type.
 */
export function decodeSession(flat: readonly string[]): StoredSession | undefined {
  if (flat.length === 0) return undefined;
  if (flat[0] === '!')
    throw new UnreadableSessionError('the key holds another Redis type than a hash');
  const data: Record<string, string> = {};
  const meta: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) {
    const field = flat[index];
    if (field.startsWith(DATA_FIELD_PREFIX))
      data[field.slice(DATA_FIELD_PREFIX.length)] = flat[index + 1];
    else meta[field] = flat[index + 1];
  }
  if (meta.v !== REDIS_FORMAT_VERSION) {
    throw new UnreadableSessionError(
      `unknown stored format version ${JSON.stringify(meta.v ?? null)}`,
    );
  }
  const createdAt = timestamp(meta.c, 'createdAt');
  const expiresAt = timestamp(meta.e, 'expiresAt');
  const absoluteExpiresAt = timestamp(meta.a, 'absoluteExpiresAt');
  const lastAccessedAt = meta.l === undefined ? createdAt : timestamp(meta.l, 'lastAccessedAt');
  for (const [key, text] of Object.entries(data)) {
    try {
      JSON.parse(text);
    } catch {
      throw new UnreadableSessionError(`data key ${JSON.stringify(key)} is not JSON`);
    }
  }
  return { data, principal: meta.p, createdAt, expiresAt, absoluteExpiresAt, lastAccessedAt };
}

/** The arguments of the save and rename scripts for one change (see `redis-scripts.ts`). */
export function encodeChange(change: SessionChange, now: number): string[] {
  const principal =
    change.principal === undefined ? '' : change.principal === null ? '-' : `=${change.principal}`;
  const set = Object.entries(change.set);
  const args = [
    REDIS_FORMAT_VERSION,
    change.mode,
    String(now),
    String(change.createdAt),
    String(change.expiresAt),
    String(change.absoluteExpiresAt),
    principal,
    String(set.length),
  ];
  for (const [key, text] of set) args.push(DATA_FIELD_PREFIX + key, text);
  for (const key of change.deleted) args.push(DATA_FIELD_PREFIX + key);
  return args;
}

function timestamp(text: string | undefined, name: string): number {
  const value = Number(text);
  if (text === undefined || !Number.isSafeInteger(value)) {
    throw new UnreadableSessionError(
      `${name} is ${text === undefined ? 'missing' : `not a timestamp: ${JSON.stringify(text)}`}`,
    );
  }
  return value;
}
