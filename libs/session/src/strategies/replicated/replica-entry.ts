import type { SessionChange, SessionRecord } from '../../session-store.interface.js';

/**
 * The replicated form of a session and the one rule every node applies to it. No I/O here: the
 * merge is a join (commutative, associative, idempotent), so replicas that have seen the same
 * changes hold the same entry whatever the order, duplication or batching of the messages.
 */

/** A write's version: a Lamport counter, with the writer's node id breaking ties. */
export interface Stamp {
  readonly v: number;
  readonly n: string;
}

/** One data key (or the principal): its JSON text, `null` once removed, and the stamp of its last write. */
export interface Field extends Stamp {
  readonly value: string | null;
}

export interface LiveEntry {
  readonly kind: 'live';
  readonly keys: ReadonlyMap<string, Field>;
  readonly principal: Field | undefined;
  readonly createdAt: number;
  readonly absoluteExpiresAt: number;
  /** A max-register: touches and writes only ever move it forward (capped at the absolute expiry). */
  readonly expiresAt: number;
}

/** What a destroyed session leaves: it beats every update, kept until `keepUntil`. */
export interface Tombstone extends Stamp {
  readonly kind: 'dead';
  readonly keepUntil: number;
}

export type ReplicaEntry = LiveEntry | Tombstone;

/** Orders stamps: by counter, then by node id. */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.v !== b.v) return a.v < b.v ? -1 : 1;
  return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

/** The highest stamp an entry carries: its version. */
export function versionOf(entry: ReplicaEntry | undefined): Stamp {
  if (!entry) return { v: 0, n: '' };
  if (entry.kind === 'dead') return { v: entry.v, n: entry.n };
  let best: Stamp = entry.principal ?? { v: 0, n: '' };
  for (const field of entry.keys.values()) if (compareStamps(field, best) > 0) best = field;
  return best;
}

function maxField(a: Field | undefined, b: Field | undefined): Field | undefined {
  if (!a) return b;
  if (!b) return a;
  return compareStamps(a, b) >= 0 ? a : b;
}

/** The join of two states of one session: the entry every replica ends with. */
export function mergeEntries(
  local: ReplicaEntry | undefined,
  incoming: ReplicaEntry,
): ReplicaEntry {
  if (!local) return incoming;
  if (local.kind === 'dead' || incoming.kind === 'dead') {
    if (local.kind === 'dead' && incoming.kind === 'dead') {
      const stamp = compareStamps(local, incoming) >= 0 ? local : incoming;
      return {
        kind: 'dead',
        v: stamp.v,
        n: stamp.n,
        keepUntil: Math.max(local.keepUntil, incoming.keepUntil),
      };
    }
    // Destroy wins over every write, whatever its version: a logout is never undone.
    const dead = (local.kind === 'dead' ? local : incoming) as Tombstone;
    const live = (local.kind === 'live' ? local : incoming) as LiveEntry;
    return { ...dead, keepUntil: Math.max(dead.keepUntil, live.absoluteExpiresAt) };
  }
  const keys = new Map(local.keys);
  for (const [key, field] of incoming.keys) keys.set(key, maxField(keys.get(key), field)!);
  const absoluteExpiresAt = Math.min(local.absoluteExpiresAt, incoming.absoluteExpiresAt);
  return {
    kind: 'live',
    keys,
    principal: maxField(local.principal, incoming.principal),
    createdAt: Math.min(local.createdAt, incoming.createdAt),
    absoluteExpiresAt,
    expiresAt: Math.min(Math.max(local.expiresAt, incoming.expiresAt), absoluteExpiresAt),
  };
}

/** The entry a `create` writes, every key stamped with the write's version. */
export function entryFromCreate(change: SessionChange, stamp: Stamp): LiveEntry {
  const keys = new Map<string, Field>();
  for (const [key, value] of Object.entries(change.set)) keys.set(key, { value, ...stamp });
  return {
    kind: 'live',
    keys,
    principal: { value: change.principal ?? null, ...stamp },
    createdAt: change.createdAt,
    absoluteExpiresAt: change.absoluteExpiresAt,
    expiresAt: Math.min(change.expiresAt, change.absoluteExpiresAt),
  };
}

/** The delta an `update` sends: only the keys it changed, with the session's times. */
export function deltaFromUpdate(base: LiveEntry, change: SessionChange, stamp: Stamp): LiveEntry {
  const keys = new Map<string, Field>();
  for (const [key, value] of Object.entries(change.set)) keys.set(key, { value, ...stamp });
  for (const key of change.deleted) keys.set(key, { value: null, ...stamp });
  const principal =
    change.principal === undefined ? undefined : { value: change.principal, ...stamp };
  return {
    kind: 'live',
    keys,
    principal,
    createdAt: base.createdAt,
    absoluteExpiresAt: base.absoluteExpiresAt,
    expiresAt: Math.min(Math.max(base.expiresAt, change.expiresAt), base.absoluteExpiresAt),
  };
}

export function tombstone(stamp: Stamp, keepUntil: number): Tombstone {
  return { kind: 'dead', v: stamp.v, n: stamp.n, keepUntil };
}

/** Whether a live entry has passed its idle or absolute expiry, or a tombstone its keeping time. */
export function isExpired(entry: ReplicaEntry, now: number): boolean {
  if (entry.kind === 'dead') return entry.keepUntil <= now;
  return entry.expiresAt <= now || entry.absoluteExpiresAt <= now;
}

/** The session as the core sees it (removed keys left out). */
export function toRecord(entry: LiveEntry): SessionRecord {
  const data: Record<string, string> = {};
  for (const [key, field] of entry.keys) if (field.value !== null) data[key] = field.value;
  const principal = entry.principal?.value ?? undefined;
  return {
    data,
    principal,
    createdAt: entry.createdAt,
    expiresAt: entry.expiresAt,
    absoluteExpiresAt: entry.absoluteExpiresAt,
  };
}

/** The canonical text an entry's digest hash is computed over: its stamps, not its expiry. */
export function canonicalForm(id: string, entry: ReplicaEntry): string {
  if (entry.kind === 'dead') return `D\u0000${id}\u0000${entry.v}\u0000${entry.n}`;
  const parts = [`L\u0000${id}`];
  const principal = entry.principal;
  parts.push(principal ? `P\u0000${principal.v}\u0000${principal.n}` : 'P');
  for (const key of [...entry.keys.keys()].sort()) {
    const field = entry.keys.get(key)!;
    parts.push(`K\u0000${key}\u0000${field.v}\u0000${field.n}`);
  }
  return parts.join('\u0001');
}
