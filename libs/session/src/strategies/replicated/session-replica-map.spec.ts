import type { SessionChange } from '../../session-store.interface.js';
import { entryFromCreate, tombstone } from './replica-entry.js';
import { SessionReplicaMap } from './session-replica-map.js';

const NOW = 1_800_000_000_000;
const change: SessionChange = {
  mode: 'create',
  set: { n: '1' },
  deleted: [],
  createdAt: NOW,
  expiresAt: NOW + 60_000,
  absoluteExpiresAt: NOW + 3_600_000,
};

describe('SessionReplicaMap tombstone bound', () => {
  it('drops the oldest tombstones beyond the bound, keeps live sessions, and keeps the digest exact', () => {
    const map = new SessionReplicaMap();
    const reference = new SessionReplicaMap();
    for (let i = 0; i < 5; i++) {
      const live = entryFromCreate(change, { v: 1, n: 'a' });
      map.merge(`live-${i}`, live);
      reference.merge(`live-${i}`, live);
      map.merge(`dead-${i}`, tombstone({ v: 2, n: 'a' }, NOW + 3_600_000));
    }
    // A tombstone that is written again counts as the newest.
    map.merge('dead-0', tombstone({ v: 3, n: 'a' }, NOW + 3_600_000));
    expect(map.tombstoneCount).toBe(5);

    expect(map.dropOldestTombstones(2)).toBe(3);
    expect(map.tombstoneCount).toBe(2);
    expect(['dead-1', 'dead-2', 'dead-3'].map((id) => map.get(id))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(map.get('dead-4')?.kind).toBe('dead');
    expect(map.get('dead-0')?.kind).toBe('dead');
    expect(map.dropOldestTombstones(0)).toBe(2);
    // Only live sessions remain, and the digest says exactly that.
    expect(map.size).toBe(5);
    expect(map.digest()).toEqual(reference.digest());
  });

  it('a tombstone deleted (swept) is no longer counted', () => {
    const map = new SessionReplicaMap();
    map.merge('x', tombstone({ v: 1, n: 'a' }, NOW));
    map.merge('y', tombstone({ v: 1, n: 'a' }, NOW));
    map.delete('y');
    expect(map.tombstoneCount).toBe(1);
    map.delete('x');
    expect(map.tombstoneCount).toBe(0);
  });
});
