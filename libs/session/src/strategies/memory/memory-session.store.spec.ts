import type { SessionChange } from '../../session-store.interface.js';
import { MemorySessionStore } from './memory-session.store.js';

let now = 1_000_000;
const clock = () => now;

function create(principal?: string, lifetime = 60_000): SessionChange {
  return {
    mode: 'create',
    set: { a: '1' },
    deleted: [],
    principal: principal ?? null,
    createdAt: now,
    expiresAt: now + lifetime,
    absoluteExpiresAt: now + 10 * lifetime,
  };
}

describe('MemorySessionStore', () => {
  let store: MemorySessionStore;

  beforeEach(() => {
    store = new MemorySessionStore({ maxSessions: 3, sweepIntervalMs: 60_000, clock });
  });
  afterEach(() => store.close());

  it('evicts the least recently used session beyond maxSessions; a read counts as use', async () => {
    for (const id of ['s1', 's2', 's3']) await store.save(id, create());
    await store.load('s1');
    await store.save('s4', create());
    expect(store.size).toBe(3);
    expect(await store.load('s2')).toBeUndefined();
    expect(await store.load('s1')).toBeDefined();
  });

  it('keeps the principal index in step with evictions', async () => {
    await store.save('p1', create('alice'));
    for (const id of ['x1', 'x2', 'x3']) await store.save(id, create());
    expect(await store.listByPrincipal('alice')).toEqual([]);
  });

  it('expires on access and in the sweep, without a timer per session', async () => {
    await store.save('short', create(undefined, 1000));
    await store.save('long', create(undefined, 100_000));
    now += 2000;
    expect(store.size).toBe(2);
    store.sweep();
    expect(store.size).toBe(1);
    expect(await store.load('short')).toBeUndefined();
    expect(await store.load('long')).toBeDefined();
  });

  it('an id collision on create is an error, never a silent overwrite', async () => {
    await store.save('same', create());
    await expect(store.save('same', create())).rejects.toThrow(/collision/);
  });
});
