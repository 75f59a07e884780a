import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type {
  ReplicationConsistency,
  ReplicationTimers,
  SessionModuleOptions,
  SessionStrategyName,
} from 'nestjs-distributed-session';

export type HttpAdapterName = 'express' | 'fastify';

/** The sample app's settings, read from the environment (see README). */
export interface SampleConfig {
  readonly strategy: SessionStrategyName;
  readonly port: number;
  readonly host: string;
  readonly nodeName: string;
  readonly adapter: HttpAdapterName;
  readonly secrets: string[];
  readonly ttl?: number;
  readonly redisUrl?: string;
  /** `REDIS_SENTINELS`: the sentinels, comma-separated `host:port`; when set, used instead of `REDIS_URL`. */
  readonly redisSentinels?: { host: string; port: number }[];
  /** `REDIS_SENTINEL_NAME`: the master the sentinels monitor (default `mymaster`). */
  readonly redisSentinelName?: string;
  /** `REDIS_WAIT_REPLICAS`: acknowledge a write only once this many replicas hold it (`redis.waitForReplicas`). */
  readonly redisWaitReplicas?: number;
  /** Interface the replicated strategy listens on for peers (`REPLICATION_HOST`, default 127.0.0.1). */
  readonly replicationHost?: string;
  readonly replicationPort?: number;
  readonly replicationPeers: string[];
  /** `REPLICATION_SECRET`; the sample falls back to the first session secret. */
  readonly replicationSecret?: string;
  /** `REPLICATION_CONSISTENCY`: async, ack-one or ack-all (default). */
  readonly replicationConsistency?: ReplicationConsistency;
  /** `REPLICATION_TIMERS`: a JSON object of replication timers in milliseconds (tests shrink them). */
  readonly replicationTimers?: ReplicationTimers;
  /** Whether X-Forwarded-* headers from the proxy in front are trusted (`TRUST_PROXY`). */
  readonly trustProxy: boolean;
  /** Extra module options (tests use it for a controllable clock and small limits). */
  readonly sessionOverrides?: Partial<SessionModuleOptions>;
}

const STRATEGIES: readonly SessionStrategyName[] = ['memory', 'redis', 'cookie', 'replicated'];

export class SampleConfigError extends Error {
  override readonly name = 'SampleConfigError';
}

export function loadSampleConfig(
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = console.warn,
): SampleConfig {
  const strategy = (env.SESSION_STRATEGY ?? 'memory') as SessionStrategyName;
  if (!STRATEGIES.includes(strategy)) {
    throw new SampleConfigError(
      `SESSION_STRATEGY=${strategy} is not one of ${STRATEGIES.join(', ')}`,
    );
  }
  const adapter = (env.HTTP_ADAPTER ?? 'express') as HttpAdapterName;
  if (adapter !== 'express' && adapter !== 'fastify') {
    throw new SampleConfigError(`HTTP_ADAPTER=${String(adapter)} is not one of express, fastify`);
  }
  return {
    strategy,
    adapter,
    port: integer(env, 'PORT', 3000),
    host: env.HOST ?? '127.0.0.1',
    nodeName: env.NODE_NAME || hostname(),
    secrets: secretsFrom(env, warn),
    ttl: env.SESSION_TTL ? integer(env, 'SESSION_TTL', 0) : undefined,
    redisUrl: env.REDIS_URL,
    redisSentinels: sentinelsFrom(env),
    redisSentinelName: env.REDIS_SENTINEL_NAME || 'mymaster',
    redisWaitReplicas: env.REDIS_WAIT_REPLICAS ? integer(env, 'REDIS_WAIT_REPLICAS', 0) : undefined,
    replicationHost: env.REPLICATION_HOST || '127.0.0.1',
    replicationPort: env.REPLICATION_PORT ? integer(env, 'REPLICATION_PORT', 0) : undefined,
    replicationSecret: env.REPLICATION_SECRET || undefined,
    replicationConsistency: replicationConsistencyFrom(env),
    replicationTimers: replicationTimersFrom(env),
    replicationPeers: (env.REPLICATION_PEERS ?? '')
      .split(',')
      .map((peer) => peer.trim())
      .filter(Boolean),
    trustProxy: env.TRUST_PROXY === 'true' || env.TRUST_PROXY === '1',
  };
}

function secretsFrom(env: NodeJS.ProcessEnv, warn: (message: string) => void): string[] {
  const secrets = (env.SESSION_SECRET ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter(Boolean);
  if (secrets.length > 0) return secrets;
  if (env.NODE_ENV === 'production') {
    throw new SampleConfigError('SESSION_SECRET is required when NODE_ENV=production');
  }
  warn(
    'SESSION_SECRET is not set: using a random secret, so sessions end when this process stops and are not shared with other nodes',
  );
  return [randomBytes(32).toString('base64url')];
}

function sentinelsFrom(env: NodeJS.ProcessEnv): { host: string; port: number }[] | undefined {
  const list = (env.REDIS_SENTINELS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (list.length === 0) return undefined;
  return list.map((entry) => {
    const match = /^(.+):(\d+)$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      throw new SampleConfigError(
        `REDIS_SENTINELS: ${entry} is not host:port (e.g. sentinel-1:26379,sentinel-2:26379)`,
      );
    }
    return { host: match[1], port };
  });
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new SampleConfigError(`${name}=${raw} is not a positive integer`);
  return value;
}

const CONSISTENCY_MODES: readonly ReplicationConsistency[] = ['async', 'ack-one', 'ack-all'];

function replicationConsistencyFrom(env: NodeJS.ProcessEnv): ReplicationConsistency {
  const mode = (env.REPLICATION_CONSISTENCY || 'ack-all') as ReplicationConsistency;
  if (!CONSISTENCY_MODES.includes(mode)) {
    throw new SampleConfigError(
      `REPLICATION_CONSISTENCY=${mode} is not one of ${CONSISTENCY_MODES.join(', ')}`,
    );
  }
  return mode;
}

function replicationTimersFrom(env: NodeJS.ProcessEnv): ReplicationTimers | undefined {
  if (!env.REPLICATION_TIMERS) return undefined;
  let timers: unknown;
  try {
    timers = JSON.parse(env.REPLICATION_TIMERS);
  } catch {
    throw new SampleConfigError(
      'REPLICATION_TIMERS is not JSON (e.g. {"heartbeatMs":100,"antiEntropyMs":500})',
    );
  }
  if (typeof timers !== 'object' || timers === null || Array.isArray(timers)) {
    throw new SampleConfigError('REPLICATION_TIMERS must be a JSON object of milliseconds');
  }
  // The replication options validate each timer by name at start.
  return timers as ReplicationTimers;
}
