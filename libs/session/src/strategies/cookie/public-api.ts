// The cookie strategy's public types and classes, re-exported by the package's entry point.
export { CookieSessionStrategy, type CookieStrategyCounters } from './cookie-session.strategy.js';
export { SessionCookieTooLargeError } from './cookie-errors.js';
