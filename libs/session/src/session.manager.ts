import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { serialize, type SerializeOptions } from 'cookie';
import {
  SessionStoreUnavailableError,
  SessionStoreUnavailableException,
} from './session.errors.js';
import { SessionState, type Session, type SessionContext } from './session.js';
import type { ResolvedSessionOptions } from './session-module-options.interface.js';
import type { OutgoingCookie, SessionStrategy } from './session-strategy.interface.js';
import { SESSION_OPTIONS, SESSION_STRATEGY } from './session.tokens.js';
import { isSecureRequest, readRequestCookies, type SessionHttpRequest } from './utils/request.js';
import { generateSessionId } from './utils/session-id.js';

/** Writes a `Set-Cookie` header onto a response; the interceptor supplies the platform's way. */
export type SetCookieWriter = (header: string) => void;

interface RequestSession {
  readonly loading: Promise<SessionState>;
  state?: SessionState;
  writeCookie?: SetCookieWriter;
  /** The commit in flight, so that `save()` and the interceptor never commit the same changes twice. */
  committing?: Promise<void>;
}

/** Sessions already loaded, by request, for the synchronous parameter decorators. */
const loadedSessions = new WeakMap<object, Session>();

/** The session a request has loaded, if any (what `@Session()` returns). */
export function getLoadedSession(request: object): Session | undefined {
  return loadedSessions.get(request);
}

/**
 * Runs the request lifecycle of sessions for every strategy: finds a request's session on first
 * use (at most once per request), enforces idle and absolute expiry whatever the store does, and
 * commits what changed. Guards, the interceptor and the decorators all go through it, so the
 * lifecycle is built on the request object Nest hands to them, which is the same on Express and
 * Fastify.
 */
@Injectable()
export class SessionManager implements OnApplicationShutdown {
  private readonly logger = new Logger('SessionModule');
  private readonly requests = new WeakMap<object, RequestSession>();
  private readonly cookieAttributes: SerializeOptions;

  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    @Inject(SESSION_STRATEGY) private readonly strategy: SessionStrategy,
  ) {
    const { path, domain, httpOnly, sameSite } = options.cookie;
    this.cookieAttributes = { path, domain, httpOnly, sameSite };
  }

  /** Whether this request has started using its session (and so needs a commit). */
  isStarted(request: object): boolean {
    return this.requests.has(request);
  }

  /**
   * The request's session, found from its cookies on first use. A missing, forged or expired
   * session yields a new, empty one, which costs nothing unless written to. Throws a 503
   * `SessionStoreUnavailableException` when the store cannot be reached.
   */
  async getSession(request: SessionHttpRequest, writeCookie?: SetCookieWriter): Promise<Session> {
    let entry = this.requests.get(request);
    if (!entry) {
      entry = { loading: this.load(request) };
      this.requests.set(request, entry);
    }
    if (writeCookie) entry.writeCookie ??= writeCookie;
    try {
      const state = await entry.loading;
      entry.state = state;
      return state.facade;
    } catch (error) {
      this.requests.delete(request);
      throw this.toHttpError(error);
    }
  }

  /** Persists what the request changed and sends the cookies. Does nothing if the session was never used. */
  async commit(request: SessionHttpRequest, writeCookie?: SetCookieWriter): Promise<void> {
    const entry = this.requests.get(request);
    if (!entry) return;
    if (writeCookie) entry.writeCookie ??= writeCookie;
    // A load still in flight (a handler that did not await) is waited for, so its changes are kept.
    entry.state ??= await entry.loading.catch(() => undefined);
    if (!entry.state) return;
    const previous = entry.committing ?? Promise.resolve();
    const current = previous.then(() => this.persist(request, entry));
    entry.committing = current.catch(() => undefined);
    await current;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.strategy.close?.();
  }

  private async load(request: SessionHttpRequest): Promise<SessionState> {
    const context = this.contextFor(request);
    const now = this.options.clock();
    const touch = this.options.rolling ? { expiresAt: now + this.options.ttlMs } : undefined;
    const loaded = await this.strategy.load(readRequestCookies(request), now, touch);
    const state =
      loaded && loaded.record.expiresAt > now && loaded.record.absoluteExpiresAt > now
        ? new SessionState(context, loaded)
        : new SessionState(context);
    loadedSessions.set(request, state.facade);
    return state;
  }

  private contextFor(request: SessionHttpRequest): SessionContext {
    const { clock, ttlMs, absoluteTtlMs, rolling } = this.options;
    return {
      now: clock,
      ttlMs,
      absoluteTtlMs,
      rolling,
      newId: generateSessionId,
      saveNow: () => this.commit(request),
    };
  }

  private async persist(request: SessionHttpRequest, entry: RequestSession): Promise<void> {
    const state = entry.state!;
    const commit = state.buildCommit();
    if (!commit) return;
    let cookies: readonly OutgoingCookie[];
    try {
      cookies = await this.strategy.commit(commit);
    } catch (error) {
      if (!(error instanceof SessionStoreUnavailableError)) {
        this.logger.error(
          `Session commit failed on ${request.method} ${request.url}: ${(error as Error).message}`,
        );
      }
      throw this.toHttpError(error);
    }
    state.committed(commit);
    if (cookies.length === 0) return;
    if (!entry.writeCookie) {
      this.logger.warn(
        'A session change needs a cookie, but no response was attached to the request',
      );
      return;
    }
    const secure =
      this.options.cookie.secure === 'auto' ? isSecureRequest(request) : this.options.cookie.secure;
    for (const cookie of cookies) {
      entry.writeCookie(
        serialize(cookie.name, cookie.value, {
          ...this.cookieAttributes,
          secure,
          maxAge: cookie.maxAge,
          expires: cookie.maxAge === 0 ? new Date(0) : undefined,
        }),
      );
    }
  }

  private toHttpError(error: unknown): unknown {
    if (error instanceof SessionStoreUnavailableError) {
      this.logger.warn(`Session store unavailable: ${error.message}`);
      return new SessionStoreUnavailableException();
    }
    return error;
  }
}
