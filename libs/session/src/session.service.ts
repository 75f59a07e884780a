import { Inject, Injectable } from '@nestjs/common';
import {
  SessionNotSupportedError,
  SessionStoreUnavailableError,
  SessionStoreUnavailableException,
} from './session.errors.js';
import type { SessionStore, SessionSummary } from './session-store.interface.js';
import type { SessionStrategy } from './session-strategy.interface.js';
import { SESSION_STRATEGY } from './session.tokens.js';

export interface SessionHealth {
  readonly ok: boolean;
  readonly strategy: string;
  readonly reason?: string;
}

/**
 * Sessions seen from outside a request: a principal's sessions ("active devices"), revoking one or
 * all of them ("log out everywhere else"), and the health of the session backend.
 */
@Injectable()
export class SessionService {
  constructor(@Inject(SESSION_STRATEGY) private readonly strategy: SessionStrategy) {}

  /** The live sessions of a principal, oldest first: ids and times, no data. */
  async listByPrincipal(principal: string): Promise<SessionSummary[]> {
    const store = this.principalIndex('listByPrincipal');
    const sessions = await this.call(() => store.listByPrincipal(principal));
    return sessions.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Ends one session by id; its next request is anonymous. */
  async revoke(id: string): Promise<void> {
    const store = this.serverStore('revoke');
    await this.call(() => store.destroy(id));
  }

  /** Ends every session of a principal, except `except` (usually the caller's own). Returns how many. */
  async revokeAllForPrincipal(
    principal: string,
    options: { except?: string } = {},
  ): Promise<number> {
    const store = this.principalIndex('revokeAllForPrincipal');
    const sessions = await this.call(() => store.listByPrincipal(principal));
    const doomed = sessions.filter((session) => session.id !== options.except);
    await this.call(() => Promise.all(doomed.map((session) => store.destroy(session.id))));
    return doomed.length;
  }

  /** Whether sessions can be served now (for a health endpoint or a readiness probe). */
  async health(): Promise<SessionHealth> {
    try {
      const { ok, reason } = await this.strategy.health();
      return { ok, strategy: this.strategy.name, reason };
    } catch (error) {
      return {
        ok: false,
        strategy: this.strategy.name,
        reason: error instanceof Error ? error.message : String(error),
      };
    }
  }

  private serverStore(method: string): SessionStore {
    const { store } = this.strategy;
    if (!store) {
      throw new SessionNotSupportedError(
        `SessionService.${method}() is not supported by the ${this.strategy.name} strategy: it keeps no server-side state`,
      );
    }
    return store;
  }

  private principalIndex(
    method: string,
  ): Required<Pick<SessionStore, 'listByPrincipal' | 'destroy'>> {
    const store = this.serverStore(method);
    if (!store.listByPrincipal) {
      throw new SessionNotSupportedError(
        `SessionService.${method}() needs a store with listByPrincipal()`,
      );
    }
    return store as Required<Pick<SessionStore, 'listByPrincipal' | 'destroy'>>;
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof SessionStoreUnavailableError)
        throw new SessionStoreUnavailableException();
      throw error;
    }
  }
}
