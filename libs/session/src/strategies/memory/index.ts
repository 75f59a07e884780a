import {
  DEFAULT_MEMORY_MAX_SESSIONS,
  DEFAULT_MEMORY_SWEEP_INTERVAL_MS,
} from '../../session.constants.js';
import { SessionOptionsError } from '../../session.errors.js';
import type { SessionStrategyFactory } from '../../session-strategy.interface.js';
import { StoreBackedStrategy } from '../store-backed.strategy.js';
import { MemorySessionStore } from './memory-session.store.js';
import type { MemoryStrategyOptions } from './memory-strategy-options.interface.js';

export { MemorySessionStore } from './memory-session.store.js';
export type { MemoryStrategyOptions } from './memory-strategy-options.interface.js';

export const memoryStrategy: SessionStrategyFactory = {
  name: 'memory',
  create(options) {
    const block: MemoryStrategyOptions = options.raw.memory ?? {};
    const maxSessions = block.maxSessions ?? DEFAULT_MEMORY_MAX_SESSIONS;
    if (!Number.isInteger(maxSessions) || maxSessions < 1) {
      throw new SessionOptionsError(
        'memory.maxSessions',
        'must be a whole number of sessions, at least 1',
      );
    }
    const sweepIntervalMs = block.sweepIntervalMs ?? DEFAULT_MEMORY_SWEEP_INTERVAL_MS;
    if (!Number.isFinite(sweepIntervalMs) || sweepIntervalMs < 100) {
      throw new SessionOptionsError('memory.sweepIntervalMs', 'must be at least 100 milliseconds');
    }
    const store = new MemorySessionStore({ maxSessions, sweepIntervalMs, clock: options.clock });
    return new StoreBackedStrategy('memory', store, options);
  },
};
