import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { catchError, concatMap, from, Observable, switchMap } from 'rxjs';
import { SESSION_PARAMETER_METADATA } from './session.constants.js';
import { SessionManager, type SetCookieWriter } from './session.manager.js';
import { adapterCookieWriter, httpRequestResponse } from './utils/http-context.js';
import type { SessionHttpRequest } from './utils/request.js';

/**
 * Loads the session before handlers that ask for it and commits what changed after the handler,
 * before the response is sent: a redirect never reaches the browser ahead of its session write.
 * `SessionModule` registers it globally; it is exported for apps that wire things by hand, and its
 * protected hooks can be overridden (proxies, GraphQL, WebSockets).
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  constructor(
    protected readonly sessions: SessionManager,
    protected readonly reflector: Reflector,
    @Inject(HttpAdapterHost) protected readonly adapterHost: HttpAdapterHost,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.isHttpContext(context)) return next.handle();
    const { request, response } = this.getRequestResponse(context);
    const writeCookie = this.cookieWriter(response);
    const commit = () => this.sessions.commit(request, writeCookie);
    const handled = this.needsSession(context, request)
      ? from(this.sessions.getSession(request, writeCookie)).pipe(switchMap(() => next.handle()))
      : next.handle();
    return handled.pipe(
      // Placed before the commit step, so it sees only the handler's errors, not the commit's.
      catchError(async (error: unknown) => {
        // A failed handler may still have changed the session (a failed-login counter): keep it.
        await commit();
        throw error;
      }),
      concatMap(async (value: unknown) => {
        await commit();
        return value;
      }),
    );
  }

  protected isHttpContext(context: ExecutionContext): boolean {
    return context.getType() === 'http';
  }

  /** The request and response objects; override for GraphQL or WebSocket contexts. */
  protected getRequestResponse(context: ExecutionContext): {
    request: SessionHttpRequest;
    response: object;
  } {
    return httpRequestResponse(context);
  }

  /** Whether to load the session before the handler: it asks for it, or a guard already loaded it. */
  protected needsSession(context: ExecutionContext, request: SessionHttpRequest): boolean {
    return (
      this.reflector.get<boolean | undefined>(SESSION_PARAMETER_METADATA, context.getHandler()) ===
        true || this.sessions.isStarted(request)
    );
  }

  /** How a `Set-Cookie` header is added to the response: through Nest's adapter, so on Express and Fastify alike. */
  protected cookieWriter(response: object): SetCookieWriter {
    return adapterCookieWriter(this.adapterHost, response);
  }
}
