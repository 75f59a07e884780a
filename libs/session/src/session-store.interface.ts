/**
 * A session as a server-side store keeps it. Values are the JSON texts `Session.set()` produced, so a
 * store never serialises user data again and can compare or merge per key.
 */
export interface SessionRecord {
  /** Session data: key → JSON text of the value. */
  readonly data: Readonly<Record<string, string>>;
  readonly principal?: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Idle expiry (ms since the epoch); slides forward with activity when `rolling` is on. */
  readonly expiresAt: number;
  /** Hard expiry (ms since the epoch): `createdAt + absoluteTtl`. Never moves. */
  readonly absoluteExpiresAt: number;
}

/** What one request changed in a session: only these keys are written. */
export interface SessionChange {
  /**
   * `create`: the id is new; write the whole session.
   * `update`: apply onto the stored session, only if it still exists: a session destroyed by a
   * concurrent request (logout) must not be brought back by a slower one.
   */
  readonly mode: 'create' | 'update';
  /** Keys written: key → JSON text. For `create`, every key of the session. */
  readonly set: Readonly<Record<string, string>>;
  /** Keys removed. */
  readonly deleted: readonly string[];
  /** `undefined`: unchanged; `null`: removed; a string: the new principal. */
  readonly principal?: string | null;
  readonly createdAt: number;
  /** The idle expiry after this request; a store keeps the later of this and its own. */
  readonly expiresAt: number;
  readonly absoluteExpiresAt: number;
}

/** One session of a principal, as `SessionService.listByPrincipal()` shows it: no data. */
export interface SessionSummary {
  readonly id: string;
  readonly createdAt: number;
  /** When the session was last used, as far as the store knows (its last sliding refresh). */
  readonly lastAccessedAt: number;
  readonly expiresAt: number;
}

/** Asked of `load()`: slide the idle expiry in the same call, so a read costs one store round trip. */
export interface SessionTouch {
  /** The new idle expiry; the store keeps the later of this and its own, capped at `absoluteExpiresAt`. */
  readonly expiresAt: number;
}

/**
 * The contract of a server-side store (the memory, redis and replicated strategies implement it; so
 * can you, and pass it as the `store` option). Every method is promise-based. A store that cannot
 * reach its backend throws `SessionStoreUnavailableError`, which the core answers with a 503.
 */
export interface SessionStore {
  /**
   * The session stored under `id`, as it was before this call, or `undefined`. With `touch`, the
   * store also slides the idle expiry (load and touch in one round trip). A stored value that cannot
   * be read (corrupt, unknown format) is `undefined`, never an error.
   */
  load(id: string, touch?: SessionTouch): Promise<SessionRecord | undefined>;
  /**
   * Writes what changed. Returns `false` when an `update` found no session (destroyed or expired
   * meanwhile) and so wrote nothing.
   */
  save(id: string, change: SessionChange): Promise<boolean>;
  /**
   * Moves a session to a new id (login, regenerate): writes `toId` from `change` (a `create`) and
   * removes `fromId`, such that `fromId` never loads afterwards and at no moment both are missing.
   */
  rename(fromId: string, toId: string, change: SessionChange): Promise<void>;
  /** Removes the session; later `update`s of it are refused. */
  destroy(id: string): Promise<void>;
  /** The live sessions of a principal. Optional: `SessionService` says when a store lacks it. */
  listByPrincipal?(principal: string): Promise<SessionSummary[]>;
  /** Whether the store can serve now; `reason` says why not. Optional: assumed healthy. */
  health?(): Promise<{ ok: boolean; reason?: string }>;
}

/** Injection token of the active server-side store (`null` with the cookie strategy). */
export const SessionStore = Symbol('SessionStore');
