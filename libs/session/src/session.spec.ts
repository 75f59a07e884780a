import { SessionValueError } from './session.errors.js';
import { SessionState, type SessionContext } from './session.js';
import type { SessionRecord } from './session-store.interface.js';

const NOW = 1_700_000_000_000;
let ids = 0;

function context(overrides: Partial<SessionContext> = {}): SessionContext {
  return {
    now: () => NOW,
    ttlMs: 60_000,
    absoluteTtlMs: 600_000,
    rolling: true,
    newId: () => `id-${++ids}`,
    saveNow: async () => undefined,
    ...overrides,
  };
}

function stored(data: Record<string, unknown> = {}, principal?: string): SessionRecord {
  return {
    data: Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, JSON.stringify(value)]),
    ),
    principal,
    createdAt: NOW - 1000,
    expiresAt: NOW + 30_000,
    absoluteExpiresAt: NOW + 500_000,
  };
}

const loaded = (record: SessionRecord) => new SessionState(context(), { id: 'stored-id', record });

describe('Session values', () => {
  const state = new SessionState(context());

  it.each([
    ['a function', () => 1, /"k" is a function/],
    ['a symbol', Symbol('s'), /"k" is a symbol/],
    ['a BigInt', 10n, /"k" is a bigint/],
    ['undefined', undefined, /"k" is undefined; use session.delete\(\)/],
    ['NaN', Number.NaN, /"k" is NaN/],
    ['Infinity', Number.POSITIVE_INFINITY, /"k" is Infinity/],
    ['a Date', new Date(), /"k" is a Date/],
    ['a Map', new Map(), /"k" is a Map/],
    ['a nested function', { a: [1, { b: () => 1 }] }, /"k\.a\[1\]\.b" is a function/],
  ])('set() refuses %s at the call', (_label, value, message) => {
    expect(() => state.facade.set('k', value)).toThrow(SessionValueError);
    expect(() => state.facade.set('k', value)).toThrow(message);
  });

  it('set() refuses circular values', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    expect(() => state.facade.set('k', circular)).toThrow(/"k\.self" is a circular reference/);
  });

  it('accepts JSON: primitives, null, arrays, plain and prototype-less objects', () => {
    const bare = Object.assign(Object.create(null) as object, { x: 1 });
    for (const value of ['s', 1, true, null, [1, 'a'], { a: { b: [null] } }, bare]) {
      expect(() => state.facade.set('ok', value)).not.toThrow();
    }
  });

  it('refuses empty, overlong and __proto__ keys', () => {
    expect(() => state.facade.set('', 1)).toThrow(SessionValueError);
    expect(() => state.facade.set('k'.repeat(257), 1)).toThrow(SessionValueError);
    expect(() => state.facade.set('__proto__', 1)).toThrow(SessionValueError);
  });

  it("get/has/delete/keys see this request's writes over the stored data", () => {
    const session = loaded(stored({ a: 1, b: 2 })).facade;
    session.set('c', 3);
    session.delete('a');
    expect(session.get('a')).toBeUndefined();
    expect(session.has('b')).toBe(true);
    expect(session.get('c')).toBe(3);
    expect(session.keys().sort()).toEqual(['b', 'c']);
  });
});

describe('commit building', () => {
  it('a new session that was only read commits nothing', () => {
    const state = new SessionState(context());
    state.facade.get('anything');
    expect(state.buildCommit()).toBeUndefined();
  });

  it('a new session with a write is created whole', () => {
    const state = new SessionState(context());
    state.facade.set('counter', 1);
    expect(state.buildCommit()).toMatchObject({
      change: {
        mode: 'create',
        set: { counter: '1' },
        deleted: [],
        principal: null,
        createdAt: NOW,
      },
      record: { expiresAt: NOW + 60_000, absoluteExpiresAt: NOW + 600_000 },
    });
  });

  it('an update carries only the keys that changed', () => {
    const state = loaded(stored({ same: 1, changed: 1, removed: 1 }));
    state.facade.set('same', 1);
    state.facade.set('changed', 2);
    state.facade.delete('removed');
    state.facade.delete('never-existed');
    const commit = state.buildCommit()!;
    expect(commit.change).toMatchObject({
      mode: 'update',
      set: { changed: '2' },
      deleted: ['removed'],
    });
    expect(commit.change!.principal).toBeUndefined();
    expect(commit.record.data).toEqual({ same: '1', changed: '2' });
  });

  it('rewriting a value with an equal one is no change', () => {
    const state = loaded(stored({ a: { x: [1, 2] } }));
    state.facade.set('a', { x: [1, 2] });
    expect(state.buildCommit()!.change).toBeUndefined();
  });

  it('an object read with get() and changed in place is written', () => {
    const state = loaded(stored({ cart: { items: ['a'] } }));
    (state.facade.get('cart') as { items: string[] }).items.push('b');
    expect(state.buildCommit()!.change!.set).toEqual({ cart: '{"items":["a","b"]}' });
  });

  it('after a commit, the same changes are not written again', () => {
    const state = loaded(stored({ a: 1 }));
    state.facade.set('a', 2);
    state.committed(state.buildCommit()!);
    expect(state.buildCommit()!.change).toBeUndefined();
  });

  it('login sets the principal and moves the whole session to a new id', () => {
    const state = loaded(stored({ counter: 5 }));
    state.facade.login('alice');
    const commit = state.buildCommit()!;
    expect(commit.previousId).toBe('stored-id');
    expect(commit.id).not.toBe('stored-id');
    expect(commit.change).toMatchObject({
      mode: 'create',
      set: { counter: '5' },
      principal: 'alice',
    });
  });

  it('login on a new session needs no rename', () => {
    const state = new SessionState(context());
    state.facade.login('bob');
    expect(state.buildCommit()).toMatchObject({
      previousId: undefined,
      change: { mode: 'create', principal: 'bob' },
    });
  });

  it('login refuses an empty or overlong principal', () => {
    const state = new SessionState(context());
    expect(() => state.facade.login('')).toThrow(SessionValueError);
    expect(() => state.facade.login('p'.repeat(257))).toThrow(SessionValueError);
  });

  it('regenerate() starts afresh: the old id is destroyed and nothing is stored', () => {
    const state = loaded(stored({ a: 1 }, 'alice'));
    state.facade.regenerate();
    const commit = state.buildCommit()!;
    expect(commit).toMatchObject({
      destroyedId: 'stored-id',
      previousId: undefined,
      change: undefined,
    });
    expect(state.facade.principal).toBeUndefined();
  });

  it('regenerate({ keepData: true }) keeps data and principal under a new id', () => {
    const state = loaded(stored({ a: 1 }, 'alice'));
    state.facade.regenerate({ keepData: true });
    expect(state.buildCommit()).toMatchObject({
      previousId: 'stored-id',
      change: { mode: 'create', set: { a: '1' }, principal: 'alice' },
    });
  });

  it('destroy() ends the stored session and continues with a fresh one', () => {
    const state = loaded(stored({ a: 1 }, 'alice'));
    state.facade.destroy();
    expect(state.facade.isNew).toBe(true);
    expect(state.facade.get('a')).toBeUndefined();
    expect(state.buildCommit()).toMatchObject({ destroyedId: 'stored-id', change: undefined });
    state.facade.set('flash', 'bye');
    expect(state.buildCommit()).toMatchObject({
      destroyedId: 'stored-id',
      change: { mode: 'create' },
    });
  });

  it('without rolling, the idle expiry does not move', () => {
    const state = new SessionState(context({ rolling: false }), {
      id: 'x',
      record: stored({ a: 1 }),
    });
    state.facade.set('a', 2);
    expect(state.buildCommit()!.record.expiresAt).toBe(NOW + 30_000);
  });

  it('the idle expiry never passes the absolute expiry', () => {
    const record = { ...stored({ a: 1 }), absoluteExpiresAt: NOW + 10_000 };
    const state = new SessionState(context(), { id: 'x', record });
    expect(state.facade.expiresAt.getTime()).toBe(NOW + 10_000);
  });
});
