import type { SessionStrategyFactory } from '../../session-strategy.interface.js';
import { CookieSessionStrategy } from './cookie-session.strategy.js';

export { CookieSessionStrategy, type CookieStrategyCounters } from './cookie-session.strategy.js';
export { SessionCookieTooLargeError } from './cookie-errors.js';

/** The `cookie` strategy: the whole session sealed (JWE, A256GCM) in the browser. */
export const cookieStrategy: SessionStrategyFactory = {
  name: 'cookie',
  create: (options) => CookieSessionStrategy.create(options),
};
