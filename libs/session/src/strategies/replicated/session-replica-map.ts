import { createHash } from 'node:crypto';
import {
  canonicalForm,
  isExpired,
  mergeEntries,
  type LiveEntry,
  type ReplicaEntry,
} from './replica-entry.js';

/** Buckets of the anti-entropy digest: a differing bucket costs one list of its (id, hash) pairs. */
export const DIGEST_BUCKETS = 256;

interface Slot {
  readonly entry: ReplicaEntry;
  /** 64 bits of the entry's canonical hash, as two 32-bit halves. */
  readonly hashHigh: number;
  readonly hashLow: number;
}

/**
 * Every session this node holds (live and destroyed), with a digest kept up to date on each change:
 * each bucket is the XOR of its entries' hashes, so comparing two nodes costs 256 numbers and
 * finding what differs costs only the differing buckets. No I/O.
 */
export class SessionReplicaMap {
  private readonly slots = new Map<string, Slot>();
  private readonly buckets = new Uint32Array(DIGEST_BUCKETS * 2);
  private readonly byPrincipal = new Map<string, Set<string>>();
  /** Ids holding a tombstone, oldest first (a Set keeps insertion order). */
  private readonly tombstones = new Set<string>();

  get size(): number {
    return this.slots.size;
  }

  get(id: string): ReplicaEntry | undefined {
    return this.slots.get(id)?.entry;
  }

  /** Joins an incoming state into the local one; returns the result, or `undefined` if nothing changed. */
  merge(id: string, incoming: ReplicaEntry): ReplicaEntry | undefined {
    const before = this.slots.get(id);
    const merged = mergeEntries(before?.entry, incoming);
    if (before && sameState(before.entry, merged)) return undefined;
    this.set(id, merged, before);
    return merged;
  }

  /**
   * Moves a live session's idle expiry forward (a touch). The expiry is outside the digest, so the
   * hash is kept: a read with a sliding refresh costs no hashing.
   */
  extendExpiry(id: string, expiresAt: number): LiveEntry | undefined {
    const slot = this.slots.get(id);
    if (!slot || slot.entry.kind !== 'live') return undefined;
    const entry = slot.entry;
    const next = Math.min(Math.max(entry.expiresAt, expiresAt), entry.absoluteExpiresAt);
    if (next <= entry.expiresAt) return undefined;
    const extended: LiveEntry = { ...entry, expiresAt: next };
    this.slots.set(id, { ...slot, entry: extended });
    return extended;
  }

  delete(id: string): void {
    const before = this.slots.get(id);
    if (!before) return;
    this.xorBucket(id, before);
    this.unindex(id, before.entry);
    this.slots.delete(id);
    this.tombstones.delete(id);
  }

  get tombstoneCount(): number {
    return this.tombstones.size;
  }

  /** Forgets the oldest tombstones beyond `max`, before their time. Returns how many were dropped. */
  dropOldestTombstones(max: number): number {
    let dropped = 0;
    for (const id of this.tombstones) {
      if (this.tombstones.size <= max) break;
      this.delete(id);
      dropped++;
    }
    return dropped;
  }

  /** Removes expired sessions and tombstones kept long enough. Returns how many were removed. */
  sweep(now: number): number {
    let removed = 0;
    for (const [id, slot] of this.slots) {
      if (isExpired(slot.entry, now)) {
        this.delete(id);
        removed++;
      }
    }
    return removed;
  }

  entries(): IterableIterator<[string, ReplicaEntry]> {
    const iterator = this.slots.entries();
    return (function* () {
      for (const [id, slot] of iterator) yield [id, slot.entry] as [string, ReplicaEntry];
    })();
  }

  idsOfPrincipal(principal: string): readonly string[] {
    return [...(this.byPrincipal.get(principal) ?? [])];
  }

  /** The digest: one hex hash per bucket. */
  digest(): string[] {
    const out: string[] = [];
    for (let bucket = 0; bucket < DIGEST_BUCKETS; bucket++) {
      out.push(hex(this.buckets[bucket * 2]) + hex(this.buckets[bucket * 2 + 1]));
    }
    return out;
  }

  /** The (id, hash) pairs of the given buckets, by bucket. */
  listBuckets(buckets: readonly number[]): Map<number, [string, string][]> {
    const lists = new Map<number, [string, string][]>(buckets.map((bucket) => [bucket, []]));
    for (const [id, slot] of this.slots) {
      lists.get(bucketOf(id))?.push([id, hex(slot.hashHigh) + hex(slot.hashLow)]);
    }
    return lists;
  }

  hashOf(id: string): string | undefined {
    const slot = this.slots.get(id);
    return slot ? hex(slot.hashHigh) + hex(slot.hashLow) : undefined;
  }

  private set(id: string, entry: ReplicaEntry, before: Slot | undefined): void {
    if (before) {
      this.xorBucket(id, before);
      this.unindex(id, before.entry);
    }
    const hash = createHash('sha1').update(canonicalForm(id, entry)).digest();
    const slot: Slot = { entry, hashHigh: hash.readUInt32BE(0), hashLow: hash.readUInt32BE(4) };
    this.slots.set(id, slot);
    this.xorBucket(id, slot);
    this.tombstones.delete(id);
    if (entry.kind === 'dead') this.tombstones.add(id);
    const principal = entry.kind === 'live' ? entry.principal?.value : null;
    if (principal) {
      let ids = this.byPrincipal.get(principal);
      if (!ids) this.byPrincipal.set(principal, (ids = new Set()));
      ids.add(id);
    }
  }

  private xorBucket(id: string, slot: Slot): void {
    const bucket = bucketOf(id);
    this.buckets[bucket * 2] ^= slot.hashHigh;
    this.buckets[bucket * 2 + 1] ^= slot.hashLow;
  }

  private unindex(id: string, entry: ReplicaEntry): void {
    const principal = entry.kind === 'live' ? entry.principal?.value : null;
    if (!principal) return;
    const ids = this.byPrincipal.get(principal);
    ids?.delete(id);
    if (ids?.size === 0) this.byPrincipal.delete(principal);
  }
}

/** The digest bucket of a session id (FNV-1a: cheap, stable across nodes). */
export function bucketOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % DIGEST_BUCKETS;
}

/** Indices of the buckets where two digests differ. */
export function differingBuckets(mine: readonly string[], theirs: readonly string[]): number[] {
  const differing: number[] = [];
  for (let bucket = 0; bucket < DIGEST_BUCKETS; bucket++)
    if (mine[bucket] !== theirs[bucket]) differing.push(bucket);
  return differing;
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function sameState(a: ReplicaEntry, b: ReplicaEntry): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'dead' && b.kind === 'dead')
    return a.v === b.v && a.n === b.n && a.keepUntil === b.keepUntil;
  if (a.kind !== 'live' || b.kind !== 'live') return false;
  if (a.expiresAt !== b.expiresAt || a.keys.size !== b.keys.size) return false;
  if (a.principal?.v !== b.principal?.v || a.principal?.n !== b.principal?.n) return false;
  for (const [key, field] of a.keys) {
    const other = b.keys.get(key);
    if (!other || other.v !== field.v || other.n !== field.n) return false;
  }
  return a.createdAt === b.createdAt && a.absoluteExpiresAt === b.absoluteExpiresAt;
}
