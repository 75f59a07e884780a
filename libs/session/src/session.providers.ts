import type { Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { MODULE_OPTIONS_TOKEN } from './session.module-definition.js';
import { SessionInterceptor } from './session.interceptor.js';
import type {
  ResolvedSessionOptions,
  SessionModuleOptions,
} from './session-module-options.interface.js';
import { resolveSessionOptions } from './session-options.js';
import { SessionStore } from './session-store.interface.js';
import type { SessionStrategy } from './session-strategy.interface.js';
import { SESSION_OPTIONS, SESSION_STRATEGY } from './session.tokens.js';
import { STRATEGY_FACTORIES } from './strategies/index.js';
import { StoreBackedStrategy } from './strategies/store-backed.strategy.js';

/** The one place a strategy is chosen. */
export async function createSessionStrategy(
  options: ResolvedSessionOptions,
): Promise<SessionStrategy> {
  if (options.strategy === 'custom')
    return new StoreBackedStrategy('custom', options.raw.store!, options);
  return STRATEGY_FACTORIES[options.strategy].create(options);
}

export const sessionProviders: Provider[] = [
  {
    provide: SESSION_OPTIONS,
    useFactory: (options: SessionModuleOptions) => resolveSessionOptions(options),
    inject: [MODULE_OPTIONS_TOKEN],
  },
  { provide: SESSION_STRATEGY, useFactory: createSessionStrategy, inject: [SESSION_OPTIONS] },
  {
    provide: SessionStore,
    useFactory: (strategy: SessionStrategy) => strategy.store,
    inject: [SESSION_STRATEGY],
  },
  { provide: APP_INTERCEPTOR, useExisting: SessionInterceptor },
];
