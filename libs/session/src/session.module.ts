import { Module } from '@nestjs/common';
import { SessionGuard } from './session.guard.js';
import { SessionInterceptor } from './session.interceptor.js';
import { SessionManager } from './session.manager.js';
import { ConfigurableModuleClass } from './session.module-definition.js';
import { sessionProviders } from './session.providers.js';
import { SessionService } from './session.service.js';
import { SessionStore } from './session-store.interface.js';
import { SESSION_OPTIONS } from './session.tokens.js';

/**
 * Sessions shared between the instances of an app. `SessionModule.forRoot({ strategy, secret })`
 * (or `forRootAsync`) once in the root module; it is global, registers its interceptor, and makes
 * `@Session()`, `@Principal()`, `SessionGuard` and `SessionService` work in every controller, on
 * Express and Fastify alike.
 */
@Module({
  providers: [
    ...sessionProviders,
    SessionManager,
    SessionService,
    SessionGuard,
    SessionInterceptor,
  ],
  exports: [
    SessionManager,
    SessionService,
    SessionGuard,
    SessionInterceptor,
    SessionStore,
    SESSION_OPTIONS,
  ],
})
export class SessionModule extends ConfigurableModuleClass {}
