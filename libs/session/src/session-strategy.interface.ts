import type { ResolvedSessionOptions } from './session-module-options.interface.js';
import type { SessionChange, SessionRecord, SessionStore } from './session-store.interface.js';

/** The cookies of a request, by name. */
export type RequestCookies = Readonly<Record<string, string | undefined>>;

/** A session found from a request's cookies. */
export interface LoadedSession {
  readonly id: string;
  readonly record: SessionRecord;
  /** The cookie must be written again even if nothing changes (e.g. it was signed with an old key). */
  readonly renewCookie?: boolean;
}

/** Everything a strategy needs to persist one request's session. */
export interface SessionCommit {
  readonly now: number;
  /** The session's id after this request. */
  readonly id: string;
  /** The session as it was loaded; `undefined` for a session this request created. */
  readonly loaded?: SessionRecord;
  /** A stored session this request moved away from (login, regenerate): to be renamed to `id`. */
  readonly previousId?: string;
  /** A stored session this request destroyed (logout). */
  readonly destroyedId?: string;
  /** What changed, or `undefined` when nothing did. */
  readonly change?: SessionChange;
  /** The whole session after this request (what a cookie strategy seals). */
  readonly record: SessionRecord;
  readonly renewCookie: boolean;
}

/** A cookie to send. `maxAge` in seconds; 0 clears it. */
export interface OutgoingCookie {
  readonly name: string;
  readonly value: string;
  readonly maxAge: number;
}

/**
 * How a strategy plugs into the core: find a request's session from its cookies, persist what a
 * request changed and say which cookies to send. The core owns everything else (the `Session`
 * object, expiry checks, cookie attributes, the request lifecycle).
 */
export interface SessionStrategy {
  readonly name: string;
  /** The server-side store behind this strategy, if it has one (for `SessionService`). */
  readonly store: SessionStore | null;
  /**
   * The session the cookies name, or `undefined` for "no session" (missing, forged, unknown). Throws
   * `SessionStoreUnavailableError` when the backend cannot answer.
   */
  load(
    cookies: RequestCookies,
    now: number,
    touch?: { expiresAt: number },
  ): Promise<LoadedSession | undefined>;
  /** Persists a request's session; returns the cookies to set. */
  commit(commit: SessionCommit): Promise<readonly OutgoingCookie[]>;
  health(): Promise<{ ok: boolean; reason?: string }>;
  /** Releases what the strategy opened (connections, timers, sockets). */
  close?(): Promise<void>;
}

/** What each strategy folder exports: builds its strategy from the validated options at start. */
export interface SessionStrategyFactory {
  readonly name: string;
  create(options: ResolvedSessionOptions): SessionStrategy | Promise<SessionStrategy>;
}
