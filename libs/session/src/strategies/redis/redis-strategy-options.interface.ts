import type {
  Cluster,
  ClusterNode,
  ClusterOptions,
  Redis,
  RedisOptions,
  SentinelAddress,
} from 'ioredis';

/** Options of the `redis` strategy. Give exactly one connection source: `url`, `options`, `client`, `cluster` or `sentinel`. */
export interface RedisStrategyOptions {
  /** `redis://[user:password@]host:port[/db]`, or `rediss://…` for TLS. `options` may be given with it to add settings. */
  url?: string;
  /** ioredis options (host, port, password, tls…); with `url`, they add to what the URL says. */
  options?: RedisOptions;
  /**
   * A client you created and own: a `Redis` or a `Cluster`. The module never closes it. Give it a
   * `commandTimeout` and `enableOfflineQueue: false` for the same fail-fast behaviour as the
   * clients the module creates (otherwise `commandTimeoutMs` is enforced around each call).
   */
  client?: Redis | Cluster;
  /** Redis Cluster: the seed nodes, and ioredis `ClusterOptions`. */
  cluster?: { nodes: ClusterNode[]; options?: ClusterOptions };
  /** Redis Sentinel: the sentinels, the monitored master's name, and ioredis options for the connections. */
  sentinel?: { sentinels: Partial<SentinelAddress>[]; name: string; options?: RedisOptions };
  /** Prefix of every key the strategy writes. Default `'sess:'`. */
  prefix?: string;
  /**
   * How long a request waits for Redis before it is answered 503, in milliseconds. Default 1000.
   * Also the bound of `health()`.
   */
  commandTimeoutMs?: number;
  /**
   * Acknowledge a write (save, login, logout) only once this many replicas hold it (Redis `WAIT`
   * after the write; one more round trip per write). Redis replicates asynchronously: without it, a
   * failover can lose writes the old master acknowledged. A write that reaches fewer replicas within
   * `timeoutMs` (default 200, below `commandTimeoutMs`) answers 503; it may still have been applied
   * on the master. Standalone and Sentinel; not with a Cluster. Default: off.
   */
  waitForReplicas?: { replicas: number; timeoutMs?: number };
  /** On `login()` beyond this many live sessions of one principal, the oldest ones are revoked. Default: no limit. */
  maxSessionsPerPrincipal?: number;
}

declare module '../../session-module-options.interface.js' {
  interface SessionModuleOptions {
    /** Options of the `redis` strategy. */
    redis?: RedisStrategyOptions;
  }
}
