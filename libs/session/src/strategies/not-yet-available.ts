import type { SessionStrategyName } from '../session-module-options.interface.js';
import type { SessionStrategyFactory } from '../session-strategy.interface.js';
import { SessionOptionsError } from '../session.errors.js';

/** The factory of a strategy this version does not ship yet: it fails at start, saying so. */
export function notYetAvailable(name: SessionStrategyName): SessionStrategyFactory {
  return {
    name,
    create() {
      throw new SessionOptionsError(
        'strategy',
        `"${name}" is not available in this version of the package yet`,
      );
    },
  };
}
