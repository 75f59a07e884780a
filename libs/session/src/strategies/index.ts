import type { SessionStrategyName } from '../session-module-options.interface.js';
import type { SessionStrategyFactory } from '../session-strategy.interface.js';
import { SessionOptionsError } from '../session.errors.js';
import { memoryStrategy } from './memory/index.js';

function notYetAvailable(name: SessionStrategyName): SessionStrategyFactory {
  return {
    name,
    create() {
      throw new SessionOptionsError('strategy', `"${name}" is not available in this version of the package yet`);
    },
  };
}

/** Every built-in strategy, by the name `options.strategy` gives. */
export const STRATEGY_FACTORIES: Readonly<Record<SessionStrategyName, SessionStrategyFactory>> = {
  memory: memoryStrategy,
  redis: notYetAvailable('redis'),
  cookie: notYetAvailable('cookie'),
  replicated: notYetAvailable('replicated'),
};
