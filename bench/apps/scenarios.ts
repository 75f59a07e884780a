// The scenarios the benchmark can start, and what every scenario process reads from its environment.

export type Platform = 'express' | 'fastify';

export type Stack =
  | 'none'
  | 'ours'
  | 'express-session-redis'
  | 'express-session-memory'
  | 'iron-session'
  | 'fastify-secure-session'
  | 'fastify-session-redis';

export type OurStrategy = 'memory' | 'redis' | 'cookie' | 'replicated';

export interface ScenarioDefinition {
  readonly platform: Platform;
  readonly stack: Stack;
  readonly strategy?: OurStrategy;
}

export const SCENARIOS: Readonly<Record<string, ScenarioDefinition>> = {
  'express-none': { platform: 'express', stack: 'none' },
  'express-ours-memory': { platform: 'express', stack: 'ours', strategy: 'memory' },
  'express-ours-redis': { platform: 'express', stack: 'ours', strategy: 'redis' },
  'express-ours-cookie': { platform: 'express', stack: 'ours', strategy: 'cookie' },
  'express-ours-replicated': { platform: 'express', stack: 'ours', strategy: 'replicated' },
  'express-session-redis': { platform: 'express', stack: 'express-session-redis' },
  'express-session-memory': { platform: 'express', stack: 'express-session-memory' },
  'express-iron-session': { platform: 'express', stack: 'iron-session' },
  'fastify-none': { platform: 'fastify', stack: 'none' },
  'fastify-ours-cookie': { platform: 'fastify', stack: 'ours', strategy: 'cookie' },
  'fastify-ours-redis': { platform: 'fastify', stack: 'ours', strategy: 'redis' },
  'fastify-secure-session': { platform: 'fastify', stack: 'fastify-secure-session' },
  'fastify-session-redis': { platform: 'fastify', stack: 'fastify-session-redis' },
};

/** What the runner passes to every scenario process. */
export interface BenchEnv {
  /** The session secret (at least 32 characters), the same for every stack. */
  readonly secret: string;
  readonly redisUrl: string;
  /** Replicated strategy: this node's replication port and its peers (`host:port`, comma-separated). */
  readonly replicationPort: number;
  readonly replicationPeers: string[];
  /** Memory strategy: the bound on sessions (the fill measurements need more than the default). */
  readonly memoryMaxSessions?: number;
}

export function benchEnv(env: NodeJS.ProcessEnv = process.env): BenchEnv {
  return {
    secret: env.BENCH_SECRET ?? 'bench-secret-bench-secret-bench-secret-0123',
    redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    replicationPort: Number(env.BENCH_REPLICATION_PORT ?? 0),
    replicationPeers: (env.BENCH_REPLICATION_PEERS ?? '').split(',').filter(Boolean),
    memoryMaxSessions: env.BENCH_MEMORY_MAX_SESSIONS
      ? Number(env.BENCH_MEMORY_MAX_SESSIONS)
      : undefined,
  };
}

/** A 1 KB session value that does not compress: the "1 KB session" of the cookie-size measurement. */
export const BLOB_1KB = Array.from({ length: 1024 }, (_, index) =>
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charAt(
    (index * 7919 + ((index * index) % 61)) % 64,
  ),
).join('');

/** Microseconds on the monotonic clock, which every process on the machine shares. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
