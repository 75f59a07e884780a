/** What `commit` waits for before the response goes out. */
export type ReplicationConsistency = 'async' | 'ack-one' | 'ack-all';

/** Timers of the replication protocol, in milliseconds. Tests may shrink them. */
export interface ReplicationTimers {
  /** A ping is sent to an idle peer this often. Default 1000. */
  heartbeatMs?: number;
  /** A silent peer is suspect after this long: writes stop waiting for its acknowledgement. Default 3000. */
  suspectMs?: number;
  /** A silent peer is down after this long: its connection is closed and re-dialled. Default 5000. */
  downMs?: number;
  /** Default 1000. */
  connectTimeoutMs?: number;
  /** A connection must complete the handshake within this time. Default 5000. */
  handshakeTimeoutMs?: number;
  /** With no ready peer reachable after this long, the node starts empty (it is the first node). Default 5000. */
  joinTimeoutMs?: number;
  /** The longest a state transfer may go silent before the node gives up on it and starts with what it has. Default 60000. */
  stateTransferTimeoutMs?: number;
  /** Nodes compare digests this often (and on every (re)connection). Default 30000. */
  antiEntropyMs?: number;
  /** Expired sessions and old tombstones are removed this often. Default 60000. */
  sweepMs?: number;
  /** Reconnect backoff, doubled up to the maximum, with ±20 % jitter. Defaults 100 and 5000. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** How often the `dns` name is resolved again. Default 10000. */
  dnsIntervalMs?: number;
}

/** Options of the `replicated` strategy (the `replication` block of `SessionModule.forRoot()`). */
export interface ReplicationOptions {
  /** Interface to listen on for peers: required, and should be a private one (there is no 0.0.0.0 default). */
  host: string;
  /** Port to listen on for peers (0 lets the system choose). */
  port: number;
  /** Other nodes, as `host:port` (`[v6]:port` for IPv6 literals). */
  peers?: string[];
  /** A DNS name whose addresses are all peers on `port` (docker-compose service, headless Service); re-resolved periodically. */
  dns?: { name: string; port: number };
  /** The cluster secret, at least 32 bytes, the same on every node. */
  secret?: string;
  /** Use the first session secret as the cluster secret when `secret` is not given. Off unless set. */
  useSessionSecret?: boolean;
  /** Default `'ack-all'`: a write waits until every live peer has applied it (never longer than the suspect time). */
  consistency?: ReplicationConsistency;
  /** Plaintext frames (the handshake still proves the secret). Refused unless every address is loopback. */
  insecure?: boolean;
  /**
   * Live sessions one node holds. Beyond it, a node creating a session evicts its least recently used
   * ones and replicates the eviction, so a flood of new sessions cannot exhaust memory. Give every
   * node the same value. Default 100,000.
   */
  maxSessions?: number;
  /** Largest frame accepted after the handshake. Default 1 MiB. */
  maxFrameBytes?: number;
  /** Largest session (its replicated JSON form); a bigger write is refused. Default 256 KiB. */
  maxSessionBytes?: number;
  /** Bytes queued for one peer before it is marked for resync instead of queueing more. Default 64 MiB. */
  maxQueueBytes?: number;
  /** Handshakes in progress accepted from one IP address. Default 16. */
  maxPendingHandshakesPerIp?: number;
  /** Sessions per state-transfer chunk. Default 1000. */
  snapshotChunkSessions?: number;
  /** A touch (sliding expiry) is replicated only when it moves the expiry this much past the last one sent. Default ttl/10, at least 1 s. */
  touchThrottleMs?: number;
  timers?: ReplicationTimers;
}

declare module '../../session-module-options.interface.js' {
  interface SessionModuleOptions {
    /** Options of the `replicated` strategy. */
    replication?: ReplicationOptions;
  }
}
