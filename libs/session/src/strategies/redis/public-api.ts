// The redis strategy's public types and classes, re-exported by the package's entry point.
export {
  RedisSessionStore,
  type RedisSessionStoreOptions,
  type RedisStrategyOptions,
} from './index.js';
