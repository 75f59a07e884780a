import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisStrategyOptions } from './redis-strategy-options.interface.js';

/** A client and whether the module owns it (and so closes it on shutdown). */
export interface RedisConnection {
  readonly client: Redis | Cluster;
  readonly owned: boolean;
}

/** Reconnect quickly at first, then every 2 s at most, forever: the service resumes when Redis does. */
const reconnectBackoff = (attempt: number): number =>
  Math.min(50 * 2 ** Math.min(attempt, 6), 2000);

/**
 * Fail fast rather than queue: a command sent while Redis is away is refused at once, one that
 * gets no answer fails after `commandTimeoutMs`, and none is retried behind the caller's back.
 */
function failFast(commandTimeoutMs: number): RedisOptions {
  return {
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(commandTimeoutMs, 2000),
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectBackoff,
    // A demoted master (Sentinel failover) answers READONLY: reconnect to find the new one.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
  };
}

/** Builds the client the options describe (exactly one source, already validated). */
export function createRedisConnection(
  block: RedisStrategyOptions,
  commandTimeoutMs: number,
): RedisConnection {
  if (block.client) return { client: block.client, owned: false };
  const defaults = failFast(commandTimeoutMs);
  if (block.cluster) {
    const { redisOptions, ...clusterOptions }: ClusterOptions = block.cluster.options ?? {};
    const { enableOfflineQueue, retryStrategy, ...nodeDefaults } = defaults;
    const client = new Cluster(block.cluster.nodes, {
      enableOfflineQueue,
      clusterRetryStrategy: (attempt) => (retryStrategy as (attempt: number) => number)(attempt),
      ...clusterOptions,
      redisOptions: { ...nodeDefaults, ...redisOptions },
    });
    return { client, owned: true };
  }
  if (block.sentinel) {
    const { sentinels, name, options } = block.sentinel;
    return {
      client: new Redis({ ...defaults, failoverDetector: true, ...options, sentinels, name }),
      owned: true,
    };
  }
  if (block.url !== undefined)
    return { client: new Redis(block.url, { ...defaults, ...block.options }), owned: true };
  return { client: new Redis({ ...defaults, ...block.options }), owned: true };
}

/** Whether the client was given a command timeout of its own (else the store bounds each call). */
export function hasCommandTimeout(client: Redis | Cluster): boolean {
  const options = client.options as {
    commandTimeout?: number;
    redisOptions?: { commandTimeout?: number };
  };
  return Boolean(options.commandTimeout ?? options.redisOptions?.commandTimeout);
}
