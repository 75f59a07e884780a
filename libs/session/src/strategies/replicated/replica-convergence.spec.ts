import type { SessionChange } from '../../session-store.interface.js';
import { seededRandom } from '../../../../../test/support/seeded-random.js';
import {
  compareStamps,
  deltaFromUpdate,
  entryFromCreate,
  isExpired,
  tombstone,
  versionOf,
  type ReplicaEntry,
  type Stamp,
} from './replica-entry.js';
import { SessionReplicaMap, differingBuckets } from './session-replica-map.js';
import { encodeEntry } from './wire-entry.js';

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;

type Message =
  { to: number; id: string; entry: ReplicaEntry } | { to: number; id: string; touch: number };

/** One node's state as the store keeps it: the map and the Lamport counter. */
class Replica {
  private lamport = 0;
  readonly map = new SessionReplicaMap();

  constructor(readonly node: string) {}

  tick(seen: Stamp): Stamp {
    this.lamport = Math.max(this.lamport, seen.v) + 1;
    return { v: this.lamport, n: this.node };
  }

  receive(id: string, entry: ReplicaEntry): void {
    this.lamport = Math.max(this.lamport, versionOf(entry).v);
    this.map.merge(id, entry);
  }

  touch(id: string, expiresAt: number): void {
    this.map.extendExpiry(id, expiresAt);
  }
}

/** Anti-entropy between two replicas, as the store runs it: digest, lists of differing buckets, entries both ways. */
function antiEntropy(a: Replica, b: Replica): void {
  const buckets = differingBuckets(a.map.digest(), b.map.digest());
  const mine = new Map([...a.map.listBuckets(buckets).values()].flat());
  const theirs = new Map([...b.map.listBuckets(buckets).values()].flat());
  for (const [id, hash] of theirs) if (mine.get(id) !== hash) a.receive(id, b.map.get(id)!);
  for (const [id, hash] of mine) if (theirs.get(id) !== hash) b.receive(id, a.map.get(id)!);
}

function change(
  mode: 'create' | 'update',
  set: Record<string, string>,
  deleted: string[],
  principal?: string | null,
): SessionChange {
  return {
    mode,
    set,
    deleted,
    principal,
    createdAt: NOW,
    expiresAt: NOW + HOUR,
    absoluteExpiresAt: NOW + 2 * HOUR,
  };
}

function snapshot(replica: Replica): string {
  const entries = [...replica.map.entries()].map(([id, entry]) => {
    const wire = encodeEntry(id, entry) as Record<string, unknown>;
    delete wire.e; // idle expiry is a max-register replicated by throttled touches, outside the digest
    if (Array.isArray(wire.k)) (wire.k as string[][]).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    return JSON.stringify(wire);
  });
  return entries.sort().join('\n');
}

describe('convergence property: 3 replicas, random operations, random delivery', () => {
  it('1,000 random sequences with reordering, duplicates and drops converge after anti-entropy; destroyed stays destroyed; the highest stamp wins', () => {
    for (let run = 0; run < 1000; run++) {
      const seed = 1000 + run;
      const random = seededRandom(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
      const replicas = ['a', 'b', 'c'].map((node) => new Replica(node.repeat(32)));
      const ids = Array.from({ length: 4 }, (_, i) => `session-${run}-${i}`);
      const created = new Set<string>();
      const destroyed = new Set<string>();
      /** Per id and key, the highest stamp any node wrote (the expected winner). */
      const winners = new Map<string, { stamp: Stamp; value: string | null }>();
      const network: Message[] = [];
      const send = (from: number, id: string, entry: ReplicaEntry) => {
        for (let to = 0; to < 3; to++) if (to !== from) network.push({ to, id, entry });
      };
      const record = (id: string, entry: ReplicaEntry) => {
        if (entry.kind !== 'live') return;
        for (const [key, field] of entry.keys) {
          const slot = `${id}/${key}`;
          const best = winners.get(slot);
          if (!best || compareStamps(field, best.stamp) > 0)
            winners.set(slot, { stamp: field, value: field.value });
        }
      };

      for (let step = 0; step < 40; step++) {
        if (network.length > 0 && random() < 0.5) {
          const index = Math.floor(random() * network.length);
          const message = network[index];
          const roll = random();
          if (roll >= 0.1) network.splice(index, 1); // else: delivered and kept, a duplicate later
          if (roll < 0.2 && roll >= 0.1) continue; // dropped
          if ('entry' in message) replicas[message.to].receive(message.id, message.entry);
          else replicas[message.to].touch(message.id, message.touch);
          continue;
        }
        const from = Math.floor(random() * 3);
        const replica = replicas[from];
        const id = pick(ids);
        const existing = replica.map.get(id);
        const operation = random();
        if (!created.has(id)) {
          const entry = entryFromCreate(
            change('create', { k1: `"c${step}"` }, [], null),
            replica.tick({ v: 0, n: '' }),
          );
          created.add(id);
          replica.map.merge(id, entry);
          record(id, entry);
          send(from, id, entry);
        } else if (existing?.kind === 'live' && operation < 0.75) {
          const key = pick(['k1', 'k2', 'k3']);
          const remove = random() < 0.25;
          const principal = random() < 0.2 ? pick(['alice', 'bob', null]) : undefined;
          const delta = deltaFromUpdate(
            existing,
            change(
              'update',
              remove ? {} : { [key]: `"${from}-${step}"` },
              remove ? [key] : [],
              principal,
            ),
            replica.tick(versionOf(existing)),
          );
          replica.map.merge(id, delta);
          record(id, delta);
          send(from, id, delta);
        } else if (existing?.kind === 'live' && operation < 0.85) {
          const expiresAt = NOW + HOUR + Math.floor(random() * HOUR);
          replica.touch(id, expiresAt);
          for (let to = 0; to < 3; to++)
            if (to !== from) network.push({ to, id, touch: expiresAt });
        } else if (existing) {
          const dead = tombstone(replica.tick(versionOf(existing)), NOW + 2 * HOUR);
          destroyed.add(id);
          replica.map.merge(id, dead);
          send(from, id, dead);
        }
      }
      // The rest arrives in random order, some of it lost.
      while (network.length > 0) {
        const [message] = network.splice(Math.floor(random() * network.length), 1);
        if (random() < 0.1) continue;
        if ('entry' in message) replicas[message.to].receive(message.id, message.entry);
        else replicas[message.to].touch(message.id, message.touch);
      }
      for (const [x, y] of [
        [0, 1],
        [1, 2],
        [0, 2],
      ])
        antiEntropy(replicas[x], replicas[y]);

      const context = `seed ${seed}`;
      const digests = replicas.map((replica) => replica.map.digest().join());
      expect({ context, same: digests.every((digest) => digest === digests[0]) }).toEqual({
        context,
        same: true,
      });
      const states = replicas.map(snapshot);
      expect({ context, states: [states[1], states[2]] }).toEqual({
        context,
        states: [states[0], states[0]],
      });
      for (const id of destroyed) {
        for (const replica of replicas)
          expect({ context, id, kind: replica.map.get(id)?.kind }).toEqual({
            context,
            id,
            kind: 'dead',
          });
      }
      for (const [slot, winner] of winners) {
        const [id, key] = slot.split('/');
        const entry = replicas[0].map.get(id);
        if (entry?.kind !== 'live') continue;
        expect({ context, slot, field: entry.keys.get(key) }).toEqual({
          context,
          slot,
          field: { ...winner.stamp, value: winner.value },
        });
      }
    }
  });

  it('a tombstone beats any later-versioned write, in either order, and keeps the longer keeping time', () => {
    const live = entryFromCreate(change('create', { a: '1' }, []), { v: 50, n: 'z' });
    const dead = tombstone({ v: 2, n: 'a' }, NOW);
    const [one, two] = [new SessionReplicaMap(), new SessionReplicaMap()];
    one.merge('s', live);
    one.merge('s', dead);
    two.merge('s', dead);
    two.merge('s', live);
    expect(one.get('s')).toEqual({ kind: 'dead', v: 2, n: 'a', keepUntil: NOW + 2 * HOUR });
    expect(two.get('s')).toEqual(one.get('s'));
    expect(one.digest()).toEqual(two.digest());
    expect(isExpired(one.get('s')!, NOW + 2 * HOUR)).toBe(true);
  });
});
