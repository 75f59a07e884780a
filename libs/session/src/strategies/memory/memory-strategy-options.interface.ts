export interface MemoryStrategyOptions {
  /**
   * Most sessions held; beyond it the least recently used one is evicted, so a client creating
   * sessions as fast as it can cannot exhaust the process's memory. Default 100000.
   */
  maxSessions?: number;
  /** How often expired sessions are swept, in milliseconds (one timer per store, none per session). Default 60000. */
  sweepIntervalMs?: number;
}

declare module '../../session-module-options.interface.js' {
  interface SessionModuleOptions {
    /** Options of the `memory` strategy. */
    memory?: MemoryStrategyOptions;
  }
}
