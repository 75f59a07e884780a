import type { SessionStrategyName } from '../session-module-options.interface.js';
import type { SessionStrategyFactory } from '../session-strategy.interface.js';
import { cookieStrategy } from './cookie/index.js';
import { memoryStrategy } from './memory/index.js';
import { redisStrategy } from './redis/index.js';
import { replicatedStrategy } from './replicated/index.js';

/** Every built-in strategy, by the name `options.strategy` gives. */
export const STRATEGY_FACTORIES: Readonly<Record<SessionStrategyName, SessionStrategyFactory>> = {
  memory: memoryStrategy,
  redis: redisStrategy,
  cookie: cookieStrategy,
  replicated: replicatedStrategy,
};
