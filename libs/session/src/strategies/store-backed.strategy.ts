import type { ResolvedSessionOptions } from '../session-module-options.interface.js';
import type { SessionStore } from '../session-store.interface.js';
import type {
  LoadedSession,
  OutgoingCookie,
  RequestCookies,
  SessionCommit,
  SessionStrategy,
} from '../session-strategy.interface.js';
import { SessionIdSigner } from '../utils/session-id.js';

/**
 * The strategy of every server-side store (memory, redis, replicated, your own): the cookie
 * carries only the signed session id, the store keeps the data. The cookie is written only when
 * the id is new or changed (or was signed with a retired secret) and cleared on logout.
 */
export class StoreBackedStrategy implements SessionStrategy {
  private readonly signer: SessionIdSigner;
  private readonly cookieName: string;

  constructor(
    readonly name: string,
    readonly store: SessionStore & { close?(): Promise<void> },
    private readonly options: ResolvedSessionOptions,
  ) {
    this.signer = new SessionIdSigner(options.secrets, options.cookie);
    this.cookieName = options.cookie.name;
  }

  async load(
    cookies: RequestCookies,
    _now: number,
    touch?: { expiresAt: number },
  ): Promise<LoadedSession | undefined> {
    const value = cookies[this.cookieName];
    if (!value) return undefined;
    const verified = this.signer.verify(value);
    if (!verified) return undefined;
    const record = await this.store.load(verified.id, touch);
    if (!record) return undefined;
    return { id: verified.id, record, renewCookie: verified.keyIndex > 0 };
  }

  async commit(commit: SessionCommit): Promise<readonly OutgoingCookie[]> {
    const { change } = commit;
    let sendId = commit.renewCookie;
    if (change && commit.previousId !== undefined) {
      await this.store.rename(commit.previousId, commit.id, change);
      sendId = true;
    }
    if (commit.destroyedId !== undefined) await this.store.destroy(commit.destroyedId);
    if (change && commit.previousId === undefined) {
      const saved = await this.store.save(commit.id, change);
      if (change.mode === 'create') sendId = true;
      // The session was destroyed by a concurrent request (a logout): it stays destroyed.
      else if (!saved) return [this.clearCookie()];
    }
    if (sendId) {
      const { record, now } = commit;
      const lastsUntil = this.options.rolling ? record.absoluteExpiresAt : record.expiresAt;
      return [
        {
          name: this.cookieName,
          value: this.signer.sign(commit.id),
          maxAge: Math.max(1, Math.floor((lastsUntil - now) / 1000)),
        },
      ];
    }
    return commit.destroyedId !== undefined ? [this.clearCookie()] : [];
  }

  async health(): Promise<{ ok: boolean; reason?: string }> {
    return this.store.health ? this.store.health() : { ok: true };
  }

  async close(): Promise<void> {
    await this.store.close?.();
  }

  private clearCookie(): OutgoingCookie {
    return { name: this.cookieName, value: '', maxAge: 0 };
  }
}
