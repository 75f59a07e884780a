import type { SessionChange, SessionStore } from 'nestjs-distributed-session';

export interface StoreUnderTest {
  readonly store: SessionStore;
  /** Called after each test. */
  readonly cleanup?: () => Promise<void>;
}

const HOUR = 3_600_000;
let counter = 0;
/** Ids as the core issues them: 32 base64url characters. */
export const freshId = () => `conformance-${process.pid}-${++counter}`.padEnd(32, 'x').slice(0, 32);

export function createChange(
  now: number,
  set: Record<string, unknown> = {},
  principal?: string,
): SessionChange {
  return {
    mode: 'create',
    set: Object.fromEntries(
      Object.entries(set).map(([key, value]) => [key, JSON.stringify(value)]),
    ),
    deleted: [],
    principal: principal ?? null,
    createdAt: now,
    expiresAt: now + HOUR,
    absoluteExpiresAt: now + 2 * HOUR,
  };
}

export function updateChange(
  now: number,
  set: Record<string, unknown>,
  deleted: string[] = [],
  principal?: string | null,
): SessionChange {
  return { ...createChange(now, set), mode: 'update', deleted, principal };
}

/**
 * The contract every server-side store must keep, run against each of them (memory, redis,
 * replicated, and any store of your own): `describeSessionStoreConformance('my store', factory)`.
 */
export function describeSessionStoreConformance(
  name: string,
  create: () => Promise<StoreUnderTest>,
): void {
  describe(`SessionStore conformance: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: SessionStore;
    const now = Date.now();

    beforeEach(async () => {
      subject = await create();
      store = subject.store;
    });

    afterEach(async () => {
      await subject.cleanup?.();
    });

    it('loads what was created, values as the JSON texts given', async () => {
      const id = freshId();
      await expect(
        store.save(id, createChange(now, { a: 1, b: { c: [1, 'x'] } }, 'alice')),
      ).resolves.toBe(true);
      const record = await store.load(id);
      expect(record).toMatchObject({
        data: { a: '1', b: '{"c":[1,"x"]}' },
        principal: 'alice',
        createdAt: now,
        expiresAt: now + HOUR,
        absoluteExpiresAt: now + 2 * HOUR,
      });
    });

    it('returns undefined for an id it never stored', async () => {
      await expect(store.load(freshId())).resolves.toBeUndefined();
    });

    it('applies updates per key: set, delete and principal, leaving other keys alone', async () => {
      const id = freshId();
      await store.save(id, createChange(now, { keep: 1, change: 1, drop: 1 }));
      await expect(
        store.save(id, updateChange(now, { change: 2, add: 3 }, ['drop'], 'bob')),
      ).resolves.toBe(true);
      const record = await store.load(id);
      expect(record?.data).toEqual({ keep: '1', change: '2', add: '3' });
      expect(record?.principal).toBe('bob');
      await store.save(id, updateChange(now, {}, [], null));
      expect((await store.load(id))?.principal).toBeUndefined();
    });

    it('keeps both of two concurrent updates of different keys', async () => {
      const id = freshId();
      await store.save(id, createChange(now, { base: 0 }));
      await Promise.all([
        store.save(id, updateChange(now, { left: 1 })),
        store.save(id, updateChange(now, { right: 2 })),
      ]);
      expect((await store.load(id))?.data).toEqual({ base: '0', left: '1', right: '2' });
    });

    it('refuses to update a destroyed session (no resurrection)', async () => {
      const id = freshId();
      await store.save(id, createChange(now, { a: 1 }));
      await store.destroy(id);
      await expect(store.save(id, updateChange(now, { a: 2 }))).resolves.toBe(false);
      await expect(store.load(id)).resolves.toBeUndefined();
    });

    it('refuses to update a session it never had', async () => {
      await expect(store.save(freshId(), updateChange(now, { a: 1 }))).resolves.toBe(false);
    });

    it('renames: the new id holds the session, the old one no longer loads', async () => {
      const from = freshId();
      const to = freshId();
      await store.save(from, createChange(now, { a: 1 }));
      await store.rename(from, to, createChange(now, { a: 1, b: 2 }, 'carol'));
      await expect(store.load(from)).resolves.toBeUndefined();
      expect(await store.load(to)).toMatchObject({ data: { a: '1', b: '2' }, principal: 'carol' });
    });

    it('slides the idle expiry on load with touch, returning the record as it was, capped at the absolute expiry', async () => {
      const id = freshId();
      await store.save(id, createChange(now, { a: 1 }));
      const before = await store.load(id, { expiresAt: now + HOUR + 1000 });
      expect(before?.expiresAt).toBe(now + HOUR);
      expect((await store.load(id))?.expiresAt).toBe(now + HOUR + 1000);
      await store.load(id, { expiresAt: now + 10 * HOUR });
      expect((await store.load(id))?.expiresAt).toBe(now + 2 * HOUR);
    });

    it('never moves the idle expiry backwards', async () => {
      const id = freshId();
      await store.save(id, createChange(now, { a: 1 }));
      await store.load(id, { expiresAt: now + 1000 });
      await store.save(id, { ...updateChange(now, { a: 2 }), expiresAt: now + 1000 });
      expect((await store.load(id))?.expiresAt).toBe(now + HOUR);
    });

    it('lists the sessions of a principal, and forgets destroyed and renamed ones', async () => {
      if (!store.listByPrincipal) return;
      const principal = `user-${freshId()}`;
      const [first, second, third] = [freshId(), freshId(), freshId()];
      await store.save(first, createChange(now, {}, principal));
      await store.save(second, createChange(now, {}, principal));
      await store.save(third, createChange(now, {}, `${principal}-other`));
      const listed = await store.listByPrincipal(principal);
      expect(listed.map((session) => session.id).sort()).toEqual([first, second].sort());
      expect(listed[0]).toMatchObject({ createdAt: now, expiresAt: now + HOUR });
      await store.destroy(first);
      const moved = freshId();
      await store.rename(second, moved, createChange(now, {}, principal));
      expect((await store.listByPrincipal(principal)).map((session) => session.id)).toEqual([
        moved,
      ]);
    });

    it('reports itself healthy', async () => {
      if (!store.health) return;
      await expect(store.health()).resolves.toMatchObject({ ok: true });
    });
  });
}
