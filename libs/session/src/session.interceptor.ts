import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { Observable, type Subscription } from 'rxjs';
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
    const sessions = this.sessions;
    const loadFirst = this.needsSession(context, request);
    // One plain Observable instead of a chain of rxjs operators (from, switchMap, catchError,
    // concatMap): this runs on every request, and the operators' subscribers and promise
    // conversions were a measurable share of a session read.
    return new Observable<unknown>((subscriber) => {
      let handled: Subscription | undefined;
      // Each step waits for the one before, so values, errors and completion keep their order
      // and every commit happens before what follows it is sent.
      let steps = Promise.resolve();
      const then = (step: () => Promise<void> | void): void => {
        steps = steps.then(step).catch((error: unknown) => subscriber.error(error));
      };
      const commitThen = (send: () => void): Promise<void> =>
        sessions
          .commit(request, writeCookie)
          .then(send, (error: unknown) => subscriber.error(error));
      // A failed handler may still have changed the session (a failed-login counter): keep it,
      // then report the handler's error (or the commit's, if the commit fails too).
      const fail = (error: unknown): void => then(() => commitThen(() => subscriber.error(error)));
      const handle = (): void => {
        if (subscriber.closed) return;
        try {
          handled = next.handle().subscribe({
            next: (value) => then(() => commitThen(() => subscriber.next(value))),
            error: fail,
            complete: () => then(() => subscriber.complete()),
          });
        } catch (error) {
          fail(error);
        }
      };
      if (loadFirst) sessions.getSession(request, writeCookie).then(handle, fail);
      else handle();
      return () => handled?.unsubscribe();
    });
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
