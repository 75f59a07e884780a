import type { ResolvedSessionOptions } from '../../session-module-options.interface.js';
import type { SessionRecord } from '../../session-store.interface.js';
import type {
  LoadedSession,
  OutgoingCookie,
  RequestCookies,
  SessionCommit,
  SessionStrategy,
} from '../../session-strategy.interface.js';
import { CookieChunker, type CookieLayout } from './cookie-chunks.js';
import {
  decodePayload,
  encodePayload,
  PayloadTooLargeError,
  type CookiePayload,
} from './cookie-payload.js';
import { CookieSealer } from './cookie-sealer.js';
import { SessionCookieTooLargeError } from './cookie-errors.js';
import { RecentValuesCache } from '../../utils/recent-values.cache.js';

/** A sealed value that opened: its payload and which secret sealed it. */
interface OpenedCookie {
  readonly payload: CookiePayload;
  readonly keyIndex: number;
}

/** The opened-value cache's budget, in characters of sealed values (about 8 MB). */
const OPENED_CACHE_CHARS = 8 * 1024 * 1024;

/** How much sealing work the strategy has done since start (for metrics and tests). */
export interface CookieStrategyCounters {
  /** Values sealed (one per cookie write, however many chunks). */
  seals: number;
  /** Values opened, one per cookie value read (from the cache of recently opened values or decrypted). */
  unseals: number;
  /** Of those, the ones actually decrypted: an unchanged cookie is decrypted once, then served from the cache. */
  decryptions: number;
  /** Session cookies refused: forged, tampered, sealed with a retired secret, malformed or expired. */
  rejected: number;
}

/**
 * The whole session sealed in the browser: no server-side state, so any instance that knows the
 * secret serves any request. Reads cost one unseal and no seal; the cookie is sealed again only
 * when the session changed, when a rolling renewal is due (less than half the idle time left) or
 * when it was sealed with an older secret.
 */
export class CookieSessionStrategy implements SessionStrategy {
  readonly name = 'cookie';
  readonly store = null;
  readonly counters: CookieStrategyCounters = { seals: 0, unseals: 0, decryptions: 0, rejected: 0 };
  /** Values recently opened: an unchanged cookie is decrypted once, not on every read. */
  private readonly opened = new RecentValuesCache<OpenedCookie>(OPENED_CACHE_CHARS);
  /** How each record the strategy produced sits in the browser, to clear what a new write leaves stale. */
  private readonly layouts = new WeakMap<SessionRecord, CookieLayout>();

  private constructor(
    private readonly options: ResolvedSessionOptions,
    private readonly sealer: CookieSealer,
    private readonly chunker: CookieChunker,
  ) {}

  static async create(options: ResolvedSessionOptions): Promise<CookieSessionStrategy> {
    const { name, maxChunks } = options.cookie;
    const sealer = await CookieSealer.create(options.secrets, options.cookie);
    return new CookieSessionStrategy(options, sealer, new CookieChunker(name, maxChunks, options));
  }

  async load(cookies: RequestCookies, now: number): Promise<LoadedSession | undefined> {
    let offered = false;
    for (const { value, layout } of this.chunker.candidates(cookies)) {
      offered = true;
      this.counters.unseals++;
      const opened = this.opened.get(value) ?? (await this.open(value));
      if (!opened) continue;
      const { payload, keyIndex } = opened;
      if (payload.record.expiresAt <= now || payload.record.absoluteExpiresAt <= now) continue;
      this.layouts.set(payload.record, layout);
      return { id: payload.id, record: payload.record, renewCookie: keyIndex > 0 };
    }
    if (offered) this.counters.rejected++;
    return undefined;
  }

  /** Decrypts a value and remembers it when it holds a valid session. */
  private async open(value: string): Promise<OpenedCookie | undefined> {
    this.counters.decryptions++;
    const unsealed = await this.sealer.unseal(value);
    const payload = unsealed && decodePayload(unsealed.plaintext);
    if (!payload) return undefined;
    const opened = { payload, keyIndex: unsealed.keyIndex };
    this.opened.set(value, opened);
    return opened;
  }

  async commit(commit: SessionCommit): Promise<readonly OutgoingCookie[]> {
    const previous = commit.loaded && this.layouts.get(commit.loaded);
    // Logout (or a regenerate() without its data): the browser's cookies go, nothing replaces them.
    if (commit.destroyedId !== undefined && commit.change?.mode !== 'create') {
      return this.clear(previous ? this.chunker.namesOf(previous) : this.chunker.allNames());
    }
    if (!commit.change && !commit.renewCookie && !this.isRenewalDue(commit)) return [];

    const sealed = await this.seal(commit);
    const { layout, cookies } = this.chunker.split(sealed);
    this.layouts.set(commit.record, layout);
    // The core keeps the loaded record when nothing changed (a renewal): it now sits in this layout.
    if (!commit.change && commit.loaded) this.layouts.set(commit.loaded, layout);

    const maxAge = Math.max(1, Math.floor((commit.record.expiresAt - commit.now) / 1000));
    const written = cookies.map(({ name, value }) => ({ name, value, maxAge }));
    return [
      ...written,
      ...this.clear(this.staleNames(layout, previous, commit.destroyedId !== undefined)),
    ];
  }

  async health(): Promise<{ ok: boolean }> {
    return { ok: true };
  }

  /** Rolling sessions are re-sealed once less than half of the idle time is left, not on every read. */
  private isRenewalDue({ loaded, record, now }: SessionCommit): boolean {
    if (!this.options.rolling || !loaded) return false;
    return loaded.expiresAt - now < this.options.ttlMs / 2 && record.expiresAt > loaded.expiresAt;
  }

  private async seal(commit: SessionCommit): Promise<string> {
    let plaintext: Uint8Array;
    try {
      plaintext = encodePayload(
        { id: commit.id, record: commit.record, lastAccessedAt: commit.now },
        this.options.cookie.compress,
      );
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        throw new SessionCookieTooLargeError(
          error.size,
          this.chunker.limit,
          this.options.cookie.maxChunks,
        );
      }
      throw error;
    }
    this.counters.seals++;
    return this.sealer.seal(plaintext);
  }

  /**
   * Cookies the browser may still hold that the new layout does not use. When the previous layout
   * is unknown (a new session), a write in chunks clears the unchunked cookie, which would otherwise
   * be read first; after a logout in the same request, every other name is cleared.
   */
  private staleNames(
    next: CookieLayout,
    previous: CookieLayout | undefined,
    destroyed: boolean,
  ): string[] {
    const used = new Set(this.chunker.namesOf(next));
    const before = previous
      ? this.chunker.namesOf(previous)
      : destroyed
        ? this.chunker.allNames()
        : next.chunks > 1
          ? this.chunker.namesOf({ chunks: 1 })
          : [];
    return before.filter((name) => !used.has(name));
  }

  private clear(names: readonly string[]): OutgoingCookie[] {
    return names.map((name) => ({ name, value: '', maxAge: 0 }));
  }
}
