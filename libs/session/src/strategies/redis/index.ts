import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { SessionStrategyFactory } from '../../session-strategy.interface.js';
import { StoreBackedStrategy } from '../store-backed.strategy.js';
import { REDIS_STARTUP_WAIT_MS } from './redis.constants.js';
import { createRedisConnection } from './redis-client.factory.js';
import { resolveRedisOptions } from './redis-options.resolver.js';
import { RedisSessionStore } from './redis-session.store.js';

export { RedisSessionStore, type RedisSessionStoreOptions } from './redis-session.store.js';
export type { RedisStrategyOptions } from './redis-strategy-options.interface.js';

export const redisStrategy: SessionStrategyFactory = {
  name: 'redis',
  async create(options) {
    const resolved = resolveRedisOptions(options.raw.redis);
    const logger = new Logger('SessionModule');
    const { client, owned } = createRedisConnection(resolved.block, resolved.commandTimeoutMs);
    const store = new RedisSessionStore({
      client,
      ownsClient: owned,
      prefix: resolved.prefix,
      commandTimeoutMs: resolved.commandTimeoutMs,
      maxSessionsPerPrincipal: resolved.maxSessionsPerPrincipal,
      waitForReplicas: resolved.waitForReplicas,
      clock: options.clock,
      logger,
    });
    if (owned && !(await readyWithin(client, REDIS_STARTUP_WAIT_MS))) {
      // Start anyway: session routes answer 503 until Redis is reachable, the rest of the app serves.
      logger.warn(`Redis is not reachable yet; session routes answer 503 until it is`);
    }
    return new StoreBackedStrategy('redis', store, options);
  },
};

/** Waits for a client the module created to be ready, at most `ms`: commands are not queued before. */
function readyWithin(client: Redis | Cluster, ms: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    client.on('ready', onReady);
  });
}
