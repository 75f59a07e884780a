import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ALLOW_ANONYMOUS_METADATA, SESSION_PARAMETER_METADATA } from './session.constants.js';
import { getLoadedSession } from './session.manager.js';
import type { Session as SessionShape, SessionData } from './session.js';

function loadedSession(context: ExecutionContext): SessionShape {
  const request = context.switchToHttp().getRequest<object>();
  const session = getLoadedSession(request);
  if (!session) {
    // Only reachable when the SessionInterceptor does not run for this route (e.g. removed by hand).
    throw new Error(
      '@Session()/@Principal() need the SessionInterceptor, which SessionModule registers globally',
    );
  }
  return session;
}

const SessionParameter = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  loadedSession(context),
);
const PrincipalParameter = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => loadedSession(context).principal,
);

/**
 * Marks the handler as one that reads the session, so the interceptor loads it before the handler
 * runs; handlers without it cost nothing, even when the request carries a session cookie.
 */
function markHandler(target: object, propertyKey: string | symbol | undefined): void {
  if (propertyKey === undefined) return;
  const handler = (target as Record<string | symbol, unknown>)[propertyKey];
  if (typeof handler === 'function')
    Reflect.defineMetadata(SESSION_PARAMETER_METADATA, true, handler);
}

/**
 * The request's session: `@Session() session: Session` (the decorator and the type share the name,
 * as `@Session()` and `session: Session` read naturally together).
 */
export interface Session<T extends object = SessionData> extends SessionShape<T> {}

/** Injects the request's `Session`. */
export function Session(): ParameterDecorator {
  return (target, propertyKey, index) => {
    markHandler(target, propertyKey);
    SessionParameter()(target, propertyKey, index);
  };
}

/** Injects the principal of the request's session, or `undefined` when anonymous. */
export function Principal(): ParameterDecorator {
  return (target, propertyKey, index) => {
    markHandler(target, propertyKey);
    PrincipalParameter()(target, propertyKey, index);
  };
}

/** Lets anonymous requests through a `SessionGuard` bound globally or on the controller. */
export const AllowAnonymous = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ALLOW_ANONYMOUS_METADATA, true);
