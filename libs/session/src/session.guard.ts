import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { ALLOW_ANONYMOUS_METADATA } from './session.constants.js';
import { SessionManager } from './session.manager.js';
import type { Session } from './session.js';
import { adapterCookieWriter, httpRequestResponse } from './utils/http-context.js';
import type { SessionHttpRequest } from './utils/request.js';

/**
 * Lets a request through only when its session has a principal; otherwise 401 with a JSON body.
 * Use it per route (`@UseGuards(SessionGuard)`) or globally (`APP_GUARD`) with `@AllowAnonymous()`.
 * Its protected hooks follow @nestjs/throttler's guard, so subclasses can adapt it to other contexts.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(
    protected readonly sessions: SessionManager,
    protected readonly reflector: Reflector,
    @Inject(HttpAdapterHost) protected readonly adapterHost: HttpAdapterHost,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isAnonymousAllowed(context)) return true;
    const { request, response } = this.getRequestResponse(context);
    const session = await this.sessions.getSession(
      request,
      adapterCookieWriter(this.adapterHost, response),
    );
    if (this.isAuthenticated(session, context)) return true;
    return this.throwUnauthorized(context);
  }

  protected isAnonymousAllowed(context: ExecutionContext): boolean {
    return (
      this.reflector.getAllAndOverride<boolean | undefined>(ALLOW_ANONYMOUS_METADATA, [
        context.getHandler(),
        context.getClass(),
      ]) === true
    );
  }

  protected getRequestResponse(context: ExecutionContext): {
    request: SessionHttpRequest;
    response: object;
  } {
    return httpRequestResponse(context);
  }

  /** Whether the session is enough to pass; override to require roles or a fresh login. */
  protected isAuthenticated(session: Session, _context: ExecutionContext): boolean {
    return session.principal !== undefined;
  }

  protected throwUnauthorized(_context: ExecutionContext): never {
    throw new UnauthorizedException({
      statusCode: 401,
      message: 'Authentication required',
      error: 'Unauthorized',
    });
  }
}
