export { SessionModule } from './session.module.js';
export {
  ASYNC_OPTIONS_TYPE,
  MODULE_OPTIONS_TOKEN as SESSION_MODULE_OPTIONS,
  OPTIONS_TYPE,
  type SessionOptionsFactory,
} from './session.module-definition.js';
export type {
  ResolvedSessionOptions,
  SessionCookieOptions,
  SessionModuleOptions,
  SessionStrategyName,
} from './session-module-options.interface.js';
export type { SessionData, SessionKey } from './session.js';
export { AllowAnonymous, Principal, Session } from './session.decorators.js';
export { SessionGuard } from './session.guard.js';
export { SessionInterceptor } from './session.interceptor.js';
export { SessionManager, getLoadedSession, type SetCookieWriter } from './session.manager.js';
export { SessionService, type SessionHealth } from './session.service.js';
export {
  SessionStore,
  type SessionChange,
  type SessionRecord,
  type SessionSummary,
  type SessionTouch,
} from './session-store.interface.js';
export type {
  LoadedSession,
  OutgoingCookie,
  RequestCookies,
  SessionCommit,
  SessionStrategy,
  SessionStrategyFactory,
} from './session-strategy.interface.js';
export {
  SessionNotSupportedError,
  SessionOptionsError,
  SessionStoreUnavailableError,
  SessionStoreUnavailableException,
  SessionValueError,
} from './session.errors.js';
export {
  getSessionModuleOptionsToken,
  InjectSessionOptions,
  SESSION_OPTIONS,
} from './session.tokens.js';
export { ALLOW_ANONYMOUS_METADATA, STORE_UNAVAILABLE_MESSAGE } from './session.constants.js';
export { MemorySessionStore, type MemoryStrategyOptions } from './strategies/memory/index.js';
export * from './strategies/redis/public-api.js';
export * from './strategies/cookie/public-api.js';
export * from './strategies/replicated/public-api.js';
