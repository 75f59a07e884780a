import { SessionOptionsError } from '../../session.errors.js';
import {
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_PREFIX,
  DEFAULT_REDIS_WAIT_TIMEOUT_MS,
} from './redis.constants.js';
import type { RedisStrategyOptions } from './redis-strategy-options.interface.js';

export interface ResolvedRedisOptions {
  readonly block: RedisStrategyOptions;
  readonly prefix: string;
  readonly commandTimeoutMs: number;
  readonly maxSessionsPerPrincipal?: number;
  readonly waitForReplicas?: { readonly replicas: number; readonly timeoutMs: number };
}

const SOURCES = ['url', 'client', 'cluster', 'sentinel'] as const;

/** Validates the `redis` block at start; every error names the option at fault. */
export function resolveRedisOptions(block: RedisStrategyOptions | undefined): ResolvedRedisOptions {
  if (block === undefined || block === null || typeof block !== 'object') {
    throw new SessionOptionsError(
      'redis',
      'the redis strategy needs a redis block: { url }, { options }, { client }, { cluster } or { sentinel }',
    );
  }
  const given = SOURCES.filter((source) => block[source] !== undefined);
  if (given.length > 1) {
    throw new SessionOptionsError(
      `redis.${given[1]}`,
      `give one connection source, not both redis.${given[0]} and redis.${given[1]}`,
    );
  }
  if (given.length === 0 && block.options === undefined) {
    throw new SessionOptionsError(
      'redis',
      'give a connection source: url, options, client, cluster or sentinel',
    );
  }
  if (
    block.url !== undefined &&
    (typeof block.url !== 'string' || !/^rediss?:\/\//.test(block.url))
  ) {
    throw new SessionOptionsError('redis.url', 'must start with redis:// or rediss:// (TLS)');
  }
  if (
    (block.client !== undefined || block.cluster !== undefined || block.sentinel !== undefined) &&
    block.options !== undefined
  ) {
    throw new SessionOptionsError(
      'redis.options',
      `goes with redis.url or alone; with redis.${given[0]}, configure that source itself`,
    );
  }
  if (block.client !== undefined) {
    const client = block.client as unknown as { defineCommand?: unknown; on?: unknown } | null;
    if (typeof client?.defineCommand !== 'function' || typeof client.on !== 'function') {
      throw new SessionOptionsError('redis.client', 'must be an ioredis Redis or Cluster instance');
    }
  }
  if (
    block.cluster !== undefined &&
    (!Array.isArray(block.cluster?.nodes) || block.cluster.nodes.length === 0)
  ) {
    throw new SessionOptionsError(
      'redis.cluster.nodes',
      'must list at least one node of the cluster',
    );
  }
  if (block.sentinel !== undefined) {
    if (!Array.isArray(block.sentinel?.sentinels) || block.sentinel.sentinels.length === 0) {
      throw new SessionOptionsError('redis.sentinel.sentinels', 'must list at least one sentinel');
    }
    if (typeof block.sentinel.name !== 'string' || block.sentinel.name.length === 0) {
      throw new SessionOptionsError(
        'redis.sentinel.name',
        'must name the master the sentinels monitor',
      );
    }
  }
  const prefix = block.prefix ?? DEFAULT_REDIS_PREFIX;
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new SessionOptionsError(
      'redis.prefix',
      'must be a string without braces (they would change the hash tag)',
    );
  }
  const commandTimeoutMs = block.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 10 || commandTimeoutMs > 60_000) {
    throw new SessionOptionsError(
      'redis.commandTimeoutMs',
      'must be a whole number of milliseconds from 10 to 60000',
    );
  }
  const { maxSessionsPerPrincipal } = block;
  if (
    maxSessionsPerPrincipal !== undefined &&
    (!Number.isInteger(maxSessionsPerPrincipal) || maxSessionsPerPrincipal < 1)
  ) {
    throw new SessionOptionsError(
      'redis.maxSessionsPerPrincipal',
      'must be a whole number of sessions, at least 1',
    );
  }
  const waitForReplicas = resolveWaitForReplicas(block, commandTimeoutMs);
  return { block, prefix, commandTimeoutMs, maxSessionsPerPrincipal, waitForReplicas };
}

function resolveWaitForReplicas(
  block: RedisStrategyOptions,
  commandTimeoutMs: number,
): ResolvedRedisOptions['waitForReplicas'] {
  const wait = block.waitForReplicas;
  if (wait === undefined) return undefined;
  if (block.cluster !== undefined) {
    throw new SessionOptionsError(
      'redis.waitForReplicas',
      'is not supported with redis.cluster (WAIT would not reach the node of each key)',
    );
  }
  if (typeof wait !== 'object' || wait === null) {
    throw new SessionOptionsError('redis.waitForReplicas', 'must be { replicas, timeoutMs? }');
  }
  if (!Number.isInteger(wait.replicas) || wait.replicas < 1) {
    throw new SessionOptionsError(
      'redis.waitForReplicas.replicas',
      'must be a whole number of replicas, at least 1',
    );
  }
  const timeoutMs =
    wait.timeoutMs ?? Math.min(DEFAULT_REDIS_WAIT_TIMEOUT_MS, Math.floor(commandTimeoutMs / 2));
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs >= commandTimeoutMs) {
    throw new SessionOptionsError(
      'redis.waitForReplicas.timeoutMs',
      `must be a whole number of milliseconds, at least 1 and below commandTimeoutMs (${commandTimeoutMs})`,
    );
  }
  return { replicas: wait.replicas, timeoutMs };
}
