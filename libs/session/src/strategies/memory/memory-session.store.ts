import type {
  SessionChange,
  SessionRecord,
  SessionStore,
  SessionSummary,
  SessionTouch,
} from '../../session-store.interface.js';

interface MemoryEntry extends SessionRecord {
  readonly lastAccessedAt: number;
}

export interface MemorySessionStoreOptions {
  readonly maxSessions: number;
  readonly sweepIntervalMs: number;
  readonly clock: () => number;
}

/**
 * Sessions in this process's memory. A `Map` kept in least-recently-used order makes eviction at
 * the bound O(1); expiry is checked on access and by one periodic sweep, never a timer per session.
 * Entries are replaced, never mutated, so a record handed to a request stays as it was loaded.
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, MemoryEntry>();
  private readonly byPrincipal = new Map<string, Set<string>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: MemorySessionStoreOptions) {
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs);
    this.sweeper.unref();
  }

  /** How many sessions are held (expired ones included until swept). */
  get size(): number {
    return this.sessions.size;
  }

  async load(id: string, touch?: SessionTouch): Promise<SessionRecord | undefined> {
    const entry = this.peek(id);
    if (!entry) return undefined;
    const now = this.options.clock();
    const expiresAt = touch
      ? Math.max(entry.expiresAt, Math.min(touch.expiresAt, entry.absoluteExpiresAt))
      : entry.expiresAt;
    this.put(id, { ...entry, expiresAt, lastAccessedAt: now });
    return entry;
  }

  async save(id: string, change: SessionChange): Promise<boolean> {
    if (change.mode === 'create') {
      if (this.peek(id)) throw new Error('session id collision');
      this.write(id, undefined, change);
      return true;
    }
    const entry = this.peek(id);
    if (!entry) return false;
    this.write(id, entry, change);
    return true;
  }

  async rename(fromId: string, toId: string, change: SessionChange): Promise<void> {
    this.remove(fromId);
    this.write(toId, undefined, change);
  }

  async destroy(id: string): Promise<void> {
    this.remove(id);
  }

  async listByPrincipal(principal: string): Promise<SessionSummary[]> {
    const summaries: SessionSummary[] = [];
    for (const id of this.byPrincipal.get(principal) ?? []) {
      const entry = this.peek(id);
      if (entry) {
        summaries.push({
          id,
          createdAt: entry.createdAt,
          lastAccessedAt: entry.lastAccessedAt,
          expiresAt: entry.expiresAt,
        });
      }
    }
    return summaries;
  }

  async health(): Promise<{ ok: boolean }> {
    return { ok: true };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  /** Removes every expired session. */
  sweep(): void {
    const now = this.options.clock();
    for (const [id, entry] of this.sessions) {
      if (isExpired(entry, now)) this.remove(id);
    }
  }

  /** The entry if present and not expired (an expired one is removed), without changing its recency. */
  private peek(id: string): MemoryEntry | undefined {
    const entry = this.sessions.get(id);
    if (entry && isExpired(entry, this.options.clock())) {
      this.remove(id);
      return undefined;
    }
    return entry;
  }

  private write(id: string, before: MemoryEntry | undefined, change: SessionChange): void {
    const data: Record<string, string> = before
      ? { ...before.data, ...change.set }
      : { ...change.set };
    for (const key of change.deleted) delete data[key];
    const principal =
      change.principal === undefined
        ? before?.principal
        : change.principal === null
          ? undefined
          : change.principal;
    this.put(id, {
      data,
      principal,
      createdAt: before?.createdAt ?? change.createdAt,
      expiresAt: Math.max(before?.expiresAt ?? 0, change.expiresAt),
      absoluteExpiresAt: before?.absoluteExpiresAt ?? change.absoluteExpiresAt,
      lastAccessedAt: this.options.clock(),
    });
  }

  /** Stores an entry as the most recently used one, keeping the principal index and the bound. */
  private put(id: string, entry: MemoryEntry): void {
    const before = this.sessions.get(id);
    if (before) {
      this.sessions.delete(id);
      if (before.principal !== entry.principal) this.unindex(id, before.principal);
    }
    this.sessions.set(id, entry);
    if (entry.principal !== undefined) {
      let ids = this.byPrincipal.get(entry.principal);
      if (!ids) this.byPrincipal.set(entry.principal, (ids = new Set()));
      ids.add(id);
    }
    while (this.sessions.size > this.options.maxSessions) {
      const leastRecent = this.sessions.keys().next().value as string;
      this.remove(leastRecent);
    }
  }

  private remove(id: string): void {
    const entry = this.sessions.get(id);
    if (!entry) return;
    this.sessions.delete(id);
    this.unindex(id, entry.principal);
  }

  private unindex(id: string, principal: string | undefined): void {
    if (principal === undefined) return;
    const ids = this.byPrincipal.get(principal);
    ids?.delete(id);
    if (ids?.size === 0) this.byPrincipal.delete(principal);
  }
}

function isExpired(entry: SessionRecord, now: number): boolean {
  return entry.expiresAt <= now || entry.absoluteExpiresAt <= now;
}
