import { SessionValueError } from './session.errors.js';
import type { SessionChange, SessionRecord } from './session-store.interface.js';
import type { SessionCommit } from './session-strategy.interface.js';
import { toJsonText } from './utils/json-text.js';

/**
 * The shape of session data. Augment it to type your keys, as with express-session:
 *
 * ```ts
 * declare module 'nestjs-distributed-session' {
 *   interface SessionData { counter: number; cart: string[] }
 * }
 * ```
 * Keys you do not declare stay usable, typed `unknown`.
 */
export interface SessionData {
  [key: string]: unknown;
}

export type SessionKey<T> = Extract<keyof T, string>;

const MAX_KEY_LENGTH = 256;
const MAX_PRINCIPAL_LENGTH = 256;

/** What the session needs from its surroundings: time, policy and new ids. */
export interface SessionContext {
  readonly now: () => number;
  readonly ttlMs: number;
  readonly absoluteTtlMs: number;
  readonly rolling: boolean;
  readonly newId: () => string;
  /** Persists the session now (`Session.save()`). */
  readonly saveNow: () => Promise<void>;
}

/**
 * The session of one request. Reads and writes are synchronous and kept in memory; the
 * `SessionInterceptor` persists what changed after the handler, before the response is sent.
 * Values must be JSON: `set()` refuses anything else at the call.
 */
export interface Session<T extends object = SessionData> {
  /** The session id. It changes on `login()`, `regenerate()` and `destroy()`. */
  readonly id: string;
  /** True when this request started the session (no valid session cookie came with it). */
  readonly isNew: boolean;
  /** Who is logged in, or `undefined` for an anonymous session. */
  readonly principal: string | undefined;
  readonly createdAt: Date;
  /** When the session expires if it is not used again (the earlier of idle and absolute expiry). */
  readonly expiresAt: Date;
  get<K extends SessionKey<T>>(key: K): T[K] | undefined;
  /** Stores a JSON value. Throws `SessionValueError` at once for anything JSON cannot carry. */
  set<K extends SessionKey<T>>(key: K, value: T[K]): void;
  has(key: SessionKey<T>): boolean;
  delete(key: SessionKey<T>): void;
  /** The data keys the session holds. */
  keys(): SessionKey<T>[];
  /**
   * Sets the principal and gives the session a new id, keeping its data: a session id an attacker
   * planted before login is worthless after it (session-fixation protection).
   */
  login(principal: string): void;
  /**
   * Gives the session a new id. By default it also starts afresh, with no data and no principal;
   * `{ keepData: true }` keeps both.
   */
  regenerate(options?: { keepData?: boolean }): void;
  /**
   * Ends the session: it is removed from the store and its cookie cleared. The request continues
   * with a fresh, empty session, which is stored only if something is written to it.
   */
  destroy(): void;
  /**
   * Persists the session now instead of after the handler: needed only when the handler writes the
   * response itself (`@Res()` without `passthrough`), e.g. before `res.redirect()`.
   */
  save(): Promise<void>;
}

/** The `Session` handed to handlers: a thin view over the request's `SessionState`. */
class SessionHandle<T extends object = SessionData> implements Session<T> {
  constructor(private readonly state: SessionState) {}

  get id(): string {
    return this.state.id;
  }

  get isNew(): boolean {
    return this.state.isNew;
  }

  get principal(): string | undefined {
    return this.state.principal;
  }

  get createdAt(): Date {
    return new Date(this.state.createdAt);
  }

  get expiresAt(): Date {
    return new Date(this.state.currentExpiresAt());
  }

  get<K extends SessionKey<T>>(key: K): T[K] | undefined {
    return this.state.get(key) as T[K] | undefined;
  }

  set<K extends SessionKey<T>>(key: K, value: T[K]): void {
    this.state.set(key, value);
  }

  has(key: SessionKey<T>): boolean {
    return this.state.has(key);
  }

  delete(key: SessionKey<T>): void {
    this.state.delete(key);
  }

  keys(): SessionKey<T>[] {
    return this.state.keys() as SessionKey<T>[];
  }

  login(principal: string): void {
    this.state.login(principal);
  }

  regenerate(options: { keepData?: boolean } = {}): void {
    this.state.regenerate(options.keepData ?? false);
  }

  destroy(): void {
    this.state.destroy();
  }

  save(): Promise<void> {
    return this.state.context.saveNow();
  }
}

/** The state behind a request's `Session`; the core reads it to build the commit. Not exported to users. */
export class SessionState {
  id: string;
  isNew: boolean;
  principal: string | undefined;
  createdAt: number;
  absoluteExpiresAt: number;
  /** The session as stored under `id` when loaded or last committed; `undefined` if not stored. */
  private base: SessionRecord | undefined;
  /** Keys written by this request: JSON text, or `undefined` for a deleted key. */
  private readonly written = new Map<string, string | undefined>();
  /** Parsed values handed out by `get()`; objects among them are checked for in-place mutation. */
  private readonly parsed = new Map<string, unknown>();
  private principalChanged = false;
  private previousId: string | undefined;
  private destroyedId: string | undefined;
  private renewCookie: boolean;
  readonly facade: Session;

  constructor(
    readonly context: SessionContext,
    loaded?: { id: string; record: SessionRecord; renewCookie?: boolean },
  ) {
    this.facade = new SessionHandle(this);
    if (loaded) {
      this.id = loaded.id;
      this.isNew = false;
      this.base = loaded.record;
      this.principal = loaded.record.principal;
      this.createdAt = loaded.record.createdAt;
      this.absoluteExpiresAt = loaded.record.absoluteExpiresAt;
      this.renewCookie = loaded.renewCookie ?? false;
    } else {
      const now = context.now();
      this.id = context.newId();
      this.isNew = true;
      this.principal = undefined;
      this.createdAt = now;
      this.absoluteExpiresAt = now + context.absoluteTtlMs;
      this.renewCookie = false;
    }
  }

  get(key: string): unknown {
    if (this.parsed.has(key)) return this.parsed.get(key);
    const text = this.textOf(key);
    if (text === undefined) return undefined;
    const value: unknown = JSON.parse(text);
    this.parsed.set(key, value);
    return value;
  }

  set(key: string, value: unknown): void {
    assertKey(key);
    const text = toJsonText(key, value);
    this.written.set(key, text);
    this.parsed.set(key, value);
  }

  has(key: string): boolean {
    return this.textOf(key) !== undefined;
  }

  delete(key: string): void {
    this.written.set(key, undefined);
    this.parsed.delete(key);
  }

  keys(): string[] {
    const keys = new Set(this.base ? Object.keys(this.base.data) : []);
    for (const [key, text] of this.written) {
      if (text === undefined) keys.delete(key);
      else keys.add(key);
    }
    return [...keys];
  }

  login(principal: string): void {
    if (
      typeof principal !== 'string' ||
      principal.length === 0 ||
      principal.length > MAX_PRINCIPAL_LENGTH
    ) {
      throw new SessionValueError(
        `session.login(): the principal must be a string of 1 to ${MAX_PRINCIPAL_LENGTH} characters`,
      );
    }
    this.principal = principal;
    this.principalChanged = true;
    this.rotateId();
  }

  regenerate(keepData: boolean): void {
    // Without the data, a new id is a new session: the same as ending this one.
    if (keepData) this.rotateId();
    else this.destroy();
  }

  destroy(): void {
    const storedId = this.previousId ?? (this.base ? this.id : undefined);
    if (storedId !== undefined) this.destroyedId = storedId;
    const now = this.context.now();
    this.id = this.context.newId();
    this.isNew = true;
    this.base = undefined;
    this.written.clear();
    this.parsed.clear();
    this.principal = undefined;
    this.principalChanged = false;
    this.previousId = undefined;
    this.renewCookie = false;
    this.createdAt = now;
    this.absoluteExpiresAt = now + this.context.absoluteTtlMs;
  }

  /** The idle expiry this request leaves the session with, capped by the absolute expiry. */
  currentExpiresAt(): number {
    const { rolling, ttlMs } = this.context;
    const idle = rolling || !this.base ? this.context.now() + ttlMs : this.base.expiresAt;
    return Math.min(idle, this.absoluteExpiresAt);
  }

  /** What to persist, or `undefined` when this request leaves nothing to do. */
  buildCommit(): SessionCommit | undefined {
    this.collectMutations();
    const now = this.context.now();
    const expiresAt = this.currentExpiresAt();
    const data = this.currentData();
    const record: SessionRecord = {
      data,
      principal: this.principal,
      createdAt: this.createdAt,
      expiresAt,
      absoluteExpiresAt: this.absoluteExpiresAt,
    };
    const empty = this.principal === undefined && Object.keys(data).length === 0;
    const rotating = this.previousId !== undefined;
    let previousId = this.previousId;
    let destroyedId = this.destroyedId;
    if (rotating && empty) {
      // The id moved but nothing is left worth storing: that is a logout of the old id.
      destroyedId = previousId;
      previousId = undefined;
    }
    let change: SessionChange | undefined;
    if (rotating || !this.base) {
      if (!empty)
        change = {
          mode: 'create',
          set: data,
          deleted: [],
          principal: this.principal ?? null,
          ...times(record),
        };
    } else {
      change = this.delta(record);
    }
    if (!change && !destroyedId && !this.base) return undefined;
    return {
      now,
      id: this.id,
      loaded: this.base,
      previousId,
      destroyedId,
      change,
      record,
      renewCookie: this.renewCookie,
    };
  }

  /** Called once a commit is persisted: what was written becomes the new baseline. */
  committed(commit: SessionCommit): void {
    if (commit.change) this.base = commit.record;
    else if (commit.previousId !== undefined || commit.destroyedId !== undefined)
      this.base = undefined;
    this.written.clear();
    this.principalChanged = false;
    this.previousId = undefined;
    this.destroyedId = undefined;
    this.renewCookie = false;
  }

  private rotateId(): void {
    if (this.base && this.previousId === undefined) this.previousId = this.id;
    this.id = this.context.newId();
  }

  private textOf(key: string): string | undefined {
    if (this.written.has(key)) return this.written.get(key);
    return this.base?.data[key];
  }

  /** Objects handed out by `get()` and changed in place are written too, as if `set()` again. */
  private collectMutations(): void {
    for (const [key, value] of this.parsed) {
      if (value === null || typeof value !== 'object') continue;
      const text = toJsonText(key, value);
      if (text !== this.textOf(key)) this.written.set(key, text);
    }
  }

  private currentData(): Record<string, string> {
    if (this.written.size === 0 && this.base) return this.base.data as Record<string, string>;
    const data: Record<string, string> = this.base ? { ...this.base.data } : {};
    for (const [key, text] of this.written) {
      if (text === undefined) delete data[key];
      else data[key] = text;
    }
    return data;
  }

  private delta(record: SessionRecord): SessionChange | undefined {
    const base = this.base!;
    const set: Record<string, string> = {};
    const deleted: string[] = [];
    for (const [key, text] of this.written) {
      const before = base.data[key];
      if (text === undefined) {
        if (before !== undefined) deleted.push(key);
      } else if (text !== before) {
        set[key] = text;
      }
    }
    const principalChanged = this.principalChanged && this.principal !== base.principal;
    if (!principalChanged && deleted.length === 0 && Object.keys(set).length === 0)
      return undefined;
    return {
      mode: 'update',
      set,
      deleted,
      principal: principalChanged ? (this.principal ?? null) : undefined,
      ...times(record),
    };
  }
}

function times(
  record: SessionRecord,
): Pick<SessionChange, 'createdAt' | 'expiresAt' | 'absoluteExpiresAt'> {
  return {
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    absoluteExpiresAt: record.absoluteExpiresAt,
  };
}

function assertKey(key: unknown): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new SessionValueError(
      `session.set(): a key must be a string of 1 to ${MAX_KEY_LENGTH} characters`,
    );
  }
  if (key === '__proto__')
    throw new SessionValueError('session.set(): "__proto__" cannot be a key');
}
